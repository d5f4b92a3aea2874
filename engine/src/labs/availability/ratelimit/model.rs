//! The rate-limiting lab as a time-only model ([`TimeModel`]): limiters A and B on the same
//! traffic, changed mid-run by logged actions, so the lab gets the model session's action log,
//! scrubbing and share links ([`ModelSession`]).
//!
//! The actions are the lab's own URL parameters set at a moment of the run, in the same
//! `key=value` form (`limiter=leaky:capacity=5,rate=10`, `limiter2=none`,
//! `traffic=steady:rate=30`, `service=250`), plus `burst=k`: k extra requests arrive now.
//! Nothing restarts: a limiter of the same kind keeps its state ([`Limiter::reconfigure`]),
//! new traffic starts its pattern at the moment of the change, and limiter B switched on
//! mid-run sees the requests from then on.

use std::hash::Hasher;

use super::sim::RateMark;
use super::traffic::Traffic;
use super::{Decision, Limiter, LimiterSpec, RateSim, TrafficSpec, SECOND};
use crate::input::Params;
use crate::labs::plot_params::RATELIMIT_PARAMS;
use crate::sim::{ActionError, ModelSession, TimeModel};
use crate::{Time, MS};

/// The plotted series' step.
pub const STEP: Time = 100 * MS;
/// Checkpoints of a session, in virtual time.
pub const CHECKPOINT_EVERY: Time = SECOND;
/// The most requests one `burst=` action sends.
pub const MAX_BURST: u32 = 10_000;
/// A ramp's length when its spec gives none.
pub const DEFAULT_RAMP: Time = 10 * SECOND;
/// The URL keys of limiters A and B.
pub const LIMITER_KEYS: [&str; 2] = ["limiter", "limiter2"];

/// Something a user does to the rate-limiting lab mid-run.
#[derive(Clone, Debug, PartialEq)]
pub enum RateAction {
    /// Limiter A (`side` 0) or B (1) is `spec` from now on; `None` switches B off. `text` is
    /// the spec as written (without spaces).
    Limiter {
        side: usize,
        spec: Option<LimiterSpec>,
        text: String,
    },
    /// The traffic follows `spec` from now on, its pattern starting now.
    Traffic { spec: TrafficSpec, text: String },
    /// An admitted request is in service this many ms (the thread limit's hold time).
    Service { ms: u64 },
    /// `k` extra requests arrive now, on top of the traffic.
    Burst { k: u32 },
}

impl RateAction {
    /// The share-link form: `limiter=…`, `limiter2=…`, `traffic=…`, `service=…`, `burst=…`.
    pub fn encode(&self) -> String {
        match self {
            RateAction::Limiter { side, text, .. } => format!("{}={text}", LIMITER_KEYS[*side]),
            RateAction::Traffic { text, .. } => format!("traffic={text}"),
            RateAction::Service { ms } => format!("service={ms}"),
            RateAction::Burst { k } => format!("burst={k}"),
        }
    }

    /// Parses [`RateAction::encode`]'s form (spaces are ignored); a bad value is refused with
    /// the reason, as the URL's parameters are.
    pub fn decode(s: &str) -> Result<RateAction, ActionError> {
        let (key, value) = s
            .split_once('=')
            .ok_or_else(|| ActionError::Malformed(s.chars().take(40).collect()))?;
        let text: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        let bad = |reason: String| ActionError::BadArgument {
            command: key.to_string(),
            reason,
        };
        let whole = |max: u64| match text.parse::<u64>() {
            Ok(v) if v <= max => Ok(v),
            _ => Err(bad(format!("`{text}` is not a whole number in 0..{max}"))),
        };
        Ok(match key {
            "limiter" | "limiter2" => {
                let side = usize::from(key == "limiter2");
                let spec = if side == 1 && (text.is_empty() || text == "none") {
                    None
                } else {
                    let spec = LimiterSpec::parse(&text).map_err(|e| bad(e.0))?;
                    Limiter::new(&spec).map_err(|e| bad(e.0))?;
                    Some(spec)
                };
                let text = if spec.is_none() { "none".into() } else { text };
                RateAction::Limiter { side, spec, text }
            }
            "traffic" => RateAction::Traffic {
                spec: TrafficSpec::parse(&text, DEFAULT_RAMP).map_err(|e| bad(e.0))?,
                text,
            },
            "service" => RateAction::Service {
                ms: whole(RATELIMIT_PARAMS[0].max as u64)?,
            },
            "burst" => match whole(MAX_BURST as u64)? {
                0 => return Err(bad("a burst needs at least 1 request".into())),
                k => RateAction::Burst { k: k as u32 },
            },
            _ => return Err(ActionError::Malformed(s.chars().take(40).collect())),
        })
    }
}

/// Limiters A and B on the same traffic. B may be off (`limiter2=none`); its simulation then
/// samples zeros, so both series stay aligned on one time axis.
#[derive(Clone, Debug)]
pub struct RateModel {
    sides: [RateSim; 2],
    /// The limiter specs in force, as written (`none` for B off), and the traffic's.
    limiters: [String; 2],
    traffic: String,
    service: Time,
    seed: u64,
    now: Time,
}

/// A [`RateModel`] at a checkpoint.
#[derive(Clone, Debug)]
pub struct RateSnapshot {
    sides: [RateMark; 2],
    limiters: [String; 2],
    traffic: String,
    service: Time,
    now: Time,
}

impl RateModel {
    /// The lab's model from its parameters (`limiter`, `limiter2`, `traffic`, `service`); the
    /// reasons of every bad spec, joined, if any is bad.
    pub fn new(p: &Params, seed: u64, sample_every: Time) -> Result<RateModel, String> {
        let traffic_text = p.text("traffic").trim().to_string();
        let traffic = TrafficSpec::parse(&traffic_text, DEFAULT_RAMP).map_err(|e| e.0)?;
        let service = p.get_u64("service") * MS;
        let texts = LIMITER_KEYS.map(|k| p.text(k).trim().to_string());
        let off = texts[1].is_empty() || texts[1] == "none";
        let sim = |text: &str| {
            LimiterSpec::parse(text)
                .and_then(|spec| RateSim::new(&spec, &traffic, seed, service, sample_every))
                .map_err(|e| e.0)
        };
        let (a, b) = (
            sim(&texts[0]),
            if off { sim(&texts[0]) } else { sim(&texts[1]) },
        );
        let (a, mut b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                let errors: Vec<String> = [a.err(), b.err()].into_iter().flatten().collect();
                return Err(errors.join("; "));
            }
        };
        if off {
            b.switch_off();
        }
        let [limiter, limiter2] = texts;
        Ok(RateModel {
            sides: [a, b],
            limiters: [limiter, if off { "none".into() } else { limiter2 }],
            traffic: traffic_text,
            service,
            seed,
            now: 0,
        })
    }

    /// Limiter A (0) or B (1), if it is on.
    pub fn side(&self, i: usize) -> Option<&RateSim> {
        self.sides.get(i).filter(|s| s.is_on())
    }

    /// The limiters that are on, with their side (0 for A, 1 for B).
    pub fn sides(&self) -> impl Iterator<Item = (usize, &RateSim)> {
        self.sides.iter().enumerate().filter(|(_, s)| s.is_on())
    }

    /// The spec in force for limiter A (0) or B (1; `none` when off), as written.
    pub fn limiter_text(&self, i: usize) -> &str {
        self.limiters.get(i).map_or("", String::as_str)
    }

    pub fn traffic_text(&self) -> &str {
        &self.traffic
    }

    /// How long an admitted request is in service now.
    pub fn service(&self) -> Time {
        self.service
    }

    pub fn now(&self) -> Time {
        self.now
    }
}

impl TimeModel for RateModel {
    type Action = RateAction;
    type Snapshot = RateSnapshot;

    fn advance_to(&mut self, t: Time) {
        // A simulation covers the times before its argument; the model includes `t`.
        for s in &mut self.sides {
            s.run_until(t.saturating_add(1));
        }
        self.now = self.now.max(t);
    }

    fn apply(&mut self, action: &RateAction) -> Result<(), ActionError> {
        let now = self.now;
        let [a, b] = &mut self.sides;
        match action {
            RateAction::Limiter {
                side,
                spec: Some(spec),
                text,
            } => {
                let i = (*side).min(1);
                let r = match (i, b.is_on()) {
                    (0, _) => a.set_limiter(spec, now),
                    (_, true) => b.set_limiter(spec, now),
                    (_, false) => b.switch_on(spec, a),
                };
                r.map_err(|e| ActionError::BadArgument {
                    command: LIMITER_KEYS[i].to_string(),
                    reason: e.0,
                })?;
                self.limiters[i].clone_from(text);
            }
            RateAction::Limiter { side: 0, .. } => {
                return Err(ActionError::BadArgument {
                    command: LIMITER_KEYS[0].to_string(),
                    reason: "limiter A cannot be switched off".into(),
                })
            }
            RateAction::Limiter { .. } => {
                b.switch_off();
                self.limiters[1] = "none".into();
            }
            RateAction::Traffic { spec, text } => {
                // The generator's seed depends on the moment, so a jittered pattern started
                // again does not repeat the first one's gaps.
                let seed = self.seed ^ now.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let traffic = Traffic::starting_at(spec, seed, now);
                a.set_traffic(traffic.clone());
                b.set_traffic(traffic);
                self.traffic.clone_from(text);
            }
            RateAction::Service { ms } => {
                self.service = ms * MS;
                a.set_service(self.service);
                b.set_service(self.service);
            }
            RateAction::Burst { k } => {
                a.inject(now, *k);
                b.inject(now, *k);
            }
        }
        Ok(())
    }

    fn snapshot(&self) -> RateSnapshot {
        RateSnapshot {
            sides: [self.sides[0].mark(), self.sides[1].mark()],
            limiters: self.limiters.clone(),
            traffic: self.traffic.clone(),
            service: self.service,
            now: self.now,
        }
    }

    fn restore(&mut self, s: &RateSnapshot) {
        for (side, mark) in self.sides.iter_mut().zip(&s.sides) {
            side.restore(mark);
        }
        self.limiters.clone_from(&s.limiters);
        self.traffic.clone_from(&s.traffic);
        (self.service, self.now) = (s.service, s.now);
    }

    fn encode(action: &RateAction) -> String {
        action.encode()
    }

    fn decode(s: &str) -> Result<RateAction, ActionError> {
        RateAction::decode(s)
    }

    fn snapshot_bytes(s: &RateSnapshot) -> usize {
        let text: usize = s.limiters.iter().map(String::len).sum::<usize>() + s.traffic.len();
        std::mem::size_of::<RateSnapshot>()
            + text
            + s.sides.iter().map(RateMark::heap_bytes).sum::<usize>()
    }

    fn hash_state(&self, h: &mut dyn Hasher) {
        for s in &self.sides {
            h.write_u8(s.is_on() as u8);
            for o in s.outcomes() {
                h.write_u64(o.arrival);
                h.write_u64(match o.decision {
                    Decision::Admitted => 0,
                    Decision::Rejected => u64::MAX,
                    Decision::Queued { delay } => delay,
                });
            }
            for p in s.series() {
                for v in [p.t, p.offered, p.admitted, p.queued, p.rejected] {
                    h.write_u64(v);
                }
                h.write_u64(p.gauge.to_bits());
            }
        }
        for t in self.limiters.iter().chain([&self.traffic]) {
            h.write(t.as_bytes());
            h.write_u8(0);
        }
        h.write_u64(self.service);
    }
}

/// The lab's session: its model from the parameters, checkpointed every
/// [`CHECKPOINT_EVERY`].
pub fn session(p: &Params, seed: u64) -> Result<ModelSession<RateModel>, String> {
    Ok(ModelSession::new(
        RateModel::new(p, seed, STEP)?,
        CHECKPOINT_EVERY,
    ))
}
