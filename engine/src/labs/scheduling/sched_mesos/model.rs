//! The lab as a time-only model ([`TimeModel`]): the master's [`State`] plus the plotted
//! record, the user's actions (the declared [`CONTROLS`]) and the lab's session.

use std::hash::Hasher;

use super::state::{Allocator, Config, FwSpec, State, FRAMEWORKS};
use super::CONTROLS;
use crate::input::Params;
use crate::labs::scene::{arg_u64, parse_action, Scene};
use crate::labs::scheduling::cell::Res;
use crate::sim::{ActionError, ModelSession, TimeModel};
use crate::{Time, MS};

pub const SECOND: Time = 1000 * MS;
/// Checkpoints of a session, in virtual time.
pub const CHECKPOINT_EVERY: Time = 5 * SECOND;

/// Something a user (or a preset) does mid-run. Agents are numbered from 0 here and from 1
/// (`a1`) in the share-link form.
#[derive(Clone, Debug, PartialEq)]
pub enum MesosAction {
    /// `agent-fail:agent=k`.
    Fail { agent: usize },
    /// `agent-restore:agent=k`.
    Restore { agent: usize },
    /// `framework:name=whole,tasks=n`: n more tasks for a framework.
    Submit { fw: usize, tasks: u64 },
    /// `allocator:kind=drf|maxmin`.
    Allocator(Allocator),
    /// `filter:secs=s`: the refusal filter of a decline from now on.
    Filter { secs: u64 },
    /// `reserve:name=whole,agents=k`: the first k agents are reserved for a framework.
    Reserve { fw: usize, agents: usize },
}

fn fw_index(name: &str) -> usize {
    FRAMEWORKS.iter().position(|f| *f == name).unwrap_or(0)
}

impl MesosAction {
    pub fn encode(&self) -> String {
        match self {
            MesosAction::Fail { agent } => format!("agent-fail:agent={}", agent + 1),
            MesosAction::Restore { agent } => format!("agent-restore:agent={}", agent + 1),
            MesosAction::Submit { fw, tasks } => {
                format!("framework:name={},tasks={tasks}", FRAMEWORKS[*fw])
            }
            MesosAction::Allocator(a) => format!("allocator:kind={}", a.name()),
            MesosAction::Filter { secs } => format!("filter:secs={secs}"),
            MesosAction::Reserve { fw, agents } => {
                format!("reserve:name={},agents={agents}", FRAMEWORKS[*fw])
            }
        }
    }

    pub fn decode(s: &str) -> Result<MesosAction, ActionError> {
        let (c, v) = parse_action(s, CONTROLS)?;
        let agent = || (arg_u64(&v, 0) as usize).saturating_sub(1);
        Ok(match c.verb {
            "agent-fail" => MesosAction::Fail { agent: agent() },
            "agent-restore" => MesosAction::Restore { agent: agent() },
            "framework" => MesosAction::Submit {
                fw: fw_index(&v[0]),
                tasks: arg_u64(&v, 1),
            },
            "allocator" => MesosAction::Allocator(if v[0] == "maxmin" {
                Allocator::MaxMin
            } else {
                Allocator::Drf
            }),
            "filter" => MesosAction::Filter {
                secs: arg_u64(&v, 0),
            },
            _ => MesosAction::Reserve {
                fw: fw_index(&v[0]),
                agents: arg_u64(&v, 1) as usize,
            },
        })
    }
}

/// One sample of the plotted record, taken at each allocation round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub t: Time,
    /// Dominant share of what each framework's running tasks hold.
    pub share: [f64; 3],
    pub waiting: [u64; 3],
}

/// The lab's model: the master's state and the record of shares over time.
#[derive(Clone, Debug)]
pub struct MesosModel {
    pub st: State,
    pub samples: Vec<Sample>,
}

/// A checkpoint: the state and how long the record was.
#[derive(Clone, Debug)]
pub struct MesosSnapshot {
    st: State,
    samples: usize,
}

/// The set-up from the lab's parameters (see [`super::PARAMS`]).
pub fn config(p: &Params) -> Config {
    let cores = |k: &str| (p.get(k) * 1000.0).round().clamp(1.0, 1e9) as u32;
    let gib = |k: &str| (p.get(k) * 1024.0).round().clamp(1.0, 1e9) as u32;
    let fw = |name: &str| FwSpec {
        shape: Res::new(cores(&format!("{name}_cpu")), gib(&format!("{name}_mem"))),
        tasks: p.get_u64(&format!("{name}_tasks")),
        mean: p.get_u64(&format!("{name}_secs")) * SECOND,
    };
    Config {
        agents: p.get_u64("agents").max(1) as usize,
        agent: Res::new(cores("agent_cpu"), gib("agent_mem")),
        interval: p.get_u64("interval").max(1) * MS,
        think: p.get_u64("think") * MS,
        filter: p.get_u64("filter") * SECOND,
        per_offer: p.get_u64("per_offer"),
        allocator: if p.get_u64("maxmin") > 0 {
            Allocator::MaxMin
        } else {
            Allocator::Drf
        },
        frameworks: [fw(FRAMEWORKS[0]), fw(FRAMEWORKS[1]), fw(FRAMEWORKS[2])],
    }
}

impl MesosModel {
    pub fn new(cfg: &Config, seed: u64) -> MesosModel {
        MesosModel {
            st: State::new(cfg, seed),
            samples: Vec::new(),
        }
    }

    fn sample(&mut self) {
        let st = &self.st;
        let s = Sample {
            t: st.now,
            share: [0, 1, 2].map(|f| st.dominant_share(f)),
            waiting: [0, 1, 2].map(|f| st.fws[f].waiting),
        };
        self.samples.push(s);
    }
}

impl TimeModel for MesosModel {
    type Action = MesosAction;
    type Snapshot = MesosSnapshot;

    fn advance_to(&mut self, t: Time) {
        // A sample after each round, taken once the round's time is fully processed.
        while self.st.next_round <= t {
            let r = self.st.next_round;
            self.st.advance_to(r);
            self.sample();
        }
        self.st.advance_to(t);
    }

    fn apply(&mut self, action: &MesosAction) -> Result<(), ActionError> {
        let n = self.st.agents();
        let bad = |command: &str, reason: String| ActionError::BadArgument {
            command: command.to_string(),
            reason,
        };
        match *action {
            MesosAction::Fail { agent } | MesosAction::Restore { agent } if agent >= n => {
                let verb = if matches!(action, MesosAction::Fail { .. }) {
                    "agent-fail"
                } else {
                    "agent-restore"
                };
                return Err(bad(
                    verb,
                    format!("there is no agent a{} (agents a1…a{n})", agent + 1),
                ));
            }
            MesosAction::Fail { agent } => self.st.fail(agent),
            MesosAction::Restore { agent } => self.st.restore(agent),
            MesosAction::Submit { fw, tasks } => self.st.submit(fw, tasks),
            MesosAction::Allocator(a) => self.st.allocator = a,
            MesosAction::Filter { secs } => self.st.filter = secs * SECOND,
            MesosAction::Reserve { fw, agents } => {
                if agents > n {
                    return Err(bad(
                        "reserve",
                        format!("{agents} agents is more than the cell's {n}"),
                    ));
                }
                self.st.reserve(fw, agents);
            }
        }
        Ok(())
    }

    fn snapshot(&self) -> MesosSnapshot {
        MesosSnapshot {
            st: self.st.clone(),
            samples: self.samples.len(),
        }
    }

    fn restore(&mut self, s: &MesosSnapshot) {
        self.st = s.st.clone();
        self.samples.truncate(s.samples);
    }

    fn encode(a: &MesosAction) -> String {
        a.encode()
    }

    fn decode(s: &str) -> Result<MesosAction, ActionError> {
        MesosAction::decode(s)
    }

    fn snapshot_bytes(s: &MesosSnapshot) -> usize {
        let st = &s.st;
        std::mem::size_of::<MesosSnapshot>()
            + st.agents() * (std::mem::size_of::<crate::labs::scheduling::cell::Machine>() + 80)
            + st.tasks.len() * 64
            + st.offers.len() * std::mem::size_of::<super::state::Offer>()
    }

    fn hash_state(&self, h: &mut dyn Hasher) {
        let st = &self.st;
        h.write_u64(st.now);
        h.write_u64(st.rounds);
        h.write_u128(st.rng_pos());
        h.write_u8(st.allocator as u8);
        h.write_u64(st.filter);
        for (a, m) in st.cell.machines.iter().enumerate() {
            h.write_u32(m.used.cpu);
            h.write_u32(m.used.mem);
            h.write_u8(m.up as u8);
            h.write_u64(st.offer_on[a].map_or(u64::MAX, |o| o));
            h.write_u8(st.reserved[a].map_or(9, |r| r as u8));
        }
        for fw in &st.fws {
            for v in [
                fw.waiting,
                fw.running,
                fw.submitted,
                fw.finished,
                fw.lost,
                fw.offers,
                fw.accepted,
                fw.declined,
            ] {
                h.write_u64(v);
            }
        }
        for (id, t) in &st.tasks {
            h.write_u64(*id);
            h.write_u64(t.agent as u64);
            h.write_u64(t.end);
        }
        for o in &st.offers {
            h.write_u64(o.id);
            h.write_u64(o.due);
        }
        h.write_usize(self.samples.len());
        for s in &self.samples {
            h.write_u64(s.t);
            for v in s.share {
                h.write_u64(v.to_bits());
            }
        }
    }

    fn scene(&self) -> Scene {
        super::view::scene(self)
    }
}

/// The lab's session from its parameters.
pub fn session(p: &Params, seed: u64) -> ModelSession<MesosModel> {
    ModelSession::new(MesosModel::new(&config(p), seed), CHECKPOINT_EVERY)
}
