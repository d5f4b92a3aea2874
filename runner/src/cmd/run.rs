//! `distlab run`: one networked lab, one seed, one JSON object.

use distlab_engine::faults::{FaultDriver, FaultSpec};
use distlab_engine::input::{InputError, RunConfig};
use distlab_engine::labs::{self, LabKind};
use distlab_engine::sim::LoggedAction;
use distlab_engine::{Time, MS};
use serde_json::json;

use crate::{parse_lab, parse_pair, parse_seed, parse_time, usage_error, Io, OK, VIOLATED};

/// Run one networked lab and print one JSON object: {lab, seed, params, until_ms, events,
/// trace_hash, violations, summary, actions, actions_log[, trace]}
///
/// The same lab, parameters, seed and actions give the same trace_hash, here and in the
/// browser. Exit 1 if a property broke that the configuration does not expect to break.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The lab's id (the list below, or `distlab labs`)
    #[arg(value_parser = parse_lab)]
    pub lab: &'static str,
    /// Seed of the run (default 1, or the preset's); same seed, same trace
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Simulated time to stop at: 500ms, 10s, 2m, or plain milliseconds
    #[arg(long, value_parser = parse_time, default_value = "10s", allow_hyphen_values = true)]
    pub until: Time,
    /// A lab parameter, as in the URL (repeatable), e.g. --param nodes=7
    #[arg(long = "param", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub params: Vec<(String, String)>,
    /// Random faults, rates per simulated second, e.g. crash=0.2,restart=1,partition=0.1,heal=0.5,drop=2,pause=0.1
    #[arg(long, value_parser = parse_faults)]
    pub faults: Option<FaultSpec>,
    /// A share link's action log to replay (its `actions=` value)
    #[arg(long)]
    pub actions: Option<String>,
    /// One of the lab's presets (its parameters, seed and schedule)
    #[arg(long)]
    pub scenario: Option<String>,
    /// Include every trace record in the output
    #[arg(long)]
    pub trace: bool,
}

/// Parses a fault spec (a value parser).
pub fn parse_faults(s: &str) -> Result<FaultSpec, String> {
    FaultSpec::parse(s).map_err(|e| e.to_string())
}

/// The first input error that stops the runner; warnings (a link from another engine
/// version) go to standard error and the run goes on.
pub fn first_error<'e>(io: &mut Io, errors: &'e [InputError]) -> Option<&'e InputError> {
    for w in errors.iter().filter(|e| e.is_warning()) {
        io.note(&format!("distlab: note: {w}"));
    }
    errors.iter().find(|e| !e.is_warning())
}

/// Why a lab cannot be batched here, if it cannot (a model is swept through its `calc`).
pub fn not_ready(lab: &str) -> Option<String> {
    let def = labs::find(lab)?;
    (!def.implemented()).then(|| format!("lab `{lab}` is not available yet"))
}

/// Why a lab cannot be run on a network here, if it cannot.
pub fn not_runnable(lab: &str) -> Option<String> {
    let def = labs::find(lab)?;
    if let Some(e) = not_ready(lab) {
        return Some(e);
    }
    match def.kind {
        LabKind::Model { calc, .. } => Some(format!(
            "lab `{lab}` is computed, not simulated on a network: use `distlab calc {}` \
             (see `distlab calc --help`)",
            calc(&labs::params_for(lab))
        )),
        _ => None,
    }
}

pub fn run(a: RunArgs, io: &mut Io) -> u8 {
    let lab = a.lab;
    if let Some(e) = not_runnable(lab) {
        return usage_error(io, "run", e);
    }
    let mut pairs = vec![("lab".to_string(), lab.to_string())];
    if let Some(seed) = a.seed {
        pairs.push(("seed".into(), seed.to_string()));
    }
    pairs.extend(a.params.iter().cloned());
    if let Some(log) = &a.actions {
        pairs.push(("actions".into(), log.clone()));
    }
    if let Some(id) = &a.scenario {
        if distlab_engine::scenario::find(lab, id.trim()).is_none() {
            return usage_error(
                io,
                "run",
                format!("lab `{lab}` has no scenario `{id}` (see `distlab labs`)"),
            );
        }
        pairs.push(("scenario".into(), id.clone()));
    }
    if !pairs.iter().any(|(k, _)| k == "v") {
        // An action log given on the command line is this engine's (the runner prints it);
        // only a `--param v=N` from a share link says otherwise.
        pairs.push(("v".into(), distlab_engine::ENGINE_VERSION.to_string()));
    }
    let (cfg, errors) = RunConfig::parse(&pairs);
    if let Some(e) = first_error(io, &errors) {
        return usage_error(io, "run", e);
    }
    let (mut session, err) = labs::create(&cfg);
    if let Some(e) = err {
        return usage_error(io, "run", e);
    }
    session.set_keep_trace(a.trace);
    match a.faults {
        Some(spec) => FaultDriver::new(spec, cfg.seed).run(session.as_mut(), a.until),
        None => session.run_until(a.until),
    }
    session.check_eventually();
    let params: serde_json::Map<String, serde_json::Value> = cfg
        .params
        .specs
        .iter()
        .zip(&cfg.params.values)
        .map(|(s, v)| (s.key.to_string(), json!(v)))
        .collect();
    let mut out = json!({
        "lab": cfg.lab,
        "seed": cfg.seed,
        "params": params,
        "until_ms": a.until as f64 / MS as f64,
        "events": session.events(),
        "trace_hash": session.trace_hash(),
        "violations": session.violations(),
        "summary": session.summary(),
        "actions": session.actions().len(),
        "actions_log": LoggedAction::encode_log(session.actions()),
    });
    if a.trace {
        out["trace"] = json!(session.trace());
    }
    io.emit(&out.to_string());
    // A violation of a property the lab shows breaking (a lesson: two coordinators under a
    // partition) is the expected outcome, not a failure.
    if distlab_engine::check::first_bug(session.as_ref(), None).is_none() {
        OK
    } else {
        VIOLATED
    }
}
