//! Batch experiments (the runner's `distlab batch`): one lab run over a grid of parameter
//! values × a range of seeds, each run measured, the measures summarised as a distribution per
//! grid point.
//!
//! - **What is measured.** Every networked lab's measures are its stats-panel counters at the
//!   end of the run ([`crate::labs::NetLab::stats`]: Paxos's rounds and messages per decision,
//!   a mutex's messages per entry and waiting time, 2PC's time in doubt …), after an optional
//!   scenario preset and random faults ([`FaultSpec`]). Raft also has its own timed measures
//!   ([`raft`]: election time after a leader crash, commit latency), the Raft paper's figure 16.
//!   A model lab (placement, MMF, DRF, rate limiting) is swept through its `calc` command, its
//!   lab's parameters written as the command's options (the seed too, where it takes one); its
//!   measures are the numbers of the result (`before.max_over_mean`, `allocation.2` …).
//! - **Runs are jobs.** The runs are numbered point-major (`job = point × seeds + seed index`);
//!   each is pure (no clock, no I/O) and depends on its parameters and seed only, so the runner
//!   may run them on any number of cores, or split them over machines with [`Batch::shard`],
//!   and the summary, made from the rows sorted by job, is the same.
//! - **Rows and summaries.** A run gives a [`Row`]; rows print as JSON lines (after a
//!   [`Batch::header`] line that is enough to rebuild the batch: `distlab merge`) or CSV, and
//!   [`Batch::summary`] turns all of them into the distribution per grid point.

pub mod dist;
pub mod raft;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use dist::{distribution, Bucket, Distribution, BUCKETS};

use crate::faults::{FaultDriver, FaultSpec};
use crate::input::{InputError, RunConfig};
use crate::labs::{self, LabKind};
use crate::sim::Action;
use crate::{Time, MS};

/// What each run of a batch measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// The lab's stats at the end of the run (every networked lab).
    Stats,
    /// One of Raft's timed measures.
    Raft(raft::Measure),
}

impl Measure {
    pub fn id(self) -> &'static str {
        match self {
            Measure::Stats => "stats",
            Measure::Raft(m) => m.id(),
        }
    }

    /// The measures `lab` offers, its default first.
    pub fn for_lab(lab: &str) -> Vec<Measure> {
        let mut all = Vec::new();
        if lab == raft::LAB {
            all.extend(raft::Measure::ALL.map(Measure::Raft));
        }
        all.push(Measure::Stats);
        all
    }

    pub fn parse(lab: &str, s: &str) -> Option<Measure> {
        Measure::for_lab(lab).into_iter().find(|m| m.id() == s)
    }
}

/// Why a batch cannot be built.
#[derive(Clone, Debug, PartialEq)]
pub enum BatchError {
    /// The lab does not exist, is not ready or is not networked.
    Lab(String),
    /// A grid point's parameters are refused.
    Input(InputError),
    /// Anything else about the request.
    Bad(String),
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchError::Lab(s) | BatchError::Bad(s) => f.write_str(s),
            BatchError::Input(e) => write!(f, "{e}"),
        }
    }
}

/// What a batch was asked for, in the form the command line and a JSON-lines header share.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub lab: String,
    /// A measure id ([`Measure::id`]); empty: the lab's default.
    #[serde(default)]
    pub measure: String,
    #[serde(default)]
    pub scenario: Option<String>,
    /// Inclusive seed range.
    pub seeds: (u64, u64),
    /// Each run's time limit, µs of virtual time.
    pub until: Time,
    /// Random faults, as `FaultSpec::parse` reads them (empty: none).
    #[serde(default)]
    pub faults: String,
    /// `key=value` pairs for every parameter, each value a comma-separated list; the grid is
    /// every combination, the first key varying slowest.
    #[serde(default)]
    pub params: Vec<(String, String)>,
    /// `(action, times)`: the action (share-link form, `c0`) planned at one of the
    /// comma-separated times in every run, like a preset's step; several times make a grid
    /// axis named `at <action>`.
    #[serde(default)]
    pub at: Vec<(String, String)>,
}

/// One grid point: its values for the grid's keys and the full parsed configuration.
#[derive(Clone, Debug)]
pub struct Point {
    pub set: Vec<(String, String)>,
    pub cfg: RunConfig,
    /// Actions planned at times (`--at`).
    pub steps: Vec<(Time, Action)>,
}

/// A batch ready to run.
#[derive(Clone, Debug)]
pub struct Batch {
    pub request: Request,
    pub lab: &'static str,
    pub measure: Measure,
    pub faults: Option<FaultSpec>,
    /// The keys given more than one value, in order.
    pub grid: Vec<String>,
    pub points: Vec<Point>,
}

/// One run's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub point: usize,
    pub seed: u64,
    /// The measures' values (`None`: no value by the time limit).
    pub values: BTreeMap<String, Option<f64>>,
    /// Raft's timed measures: when the measured action happened (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<f64>,
    /// Raft's timed measures: elections between the action and the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elections: Option<u64>,
    /// Violations of properties the configuration does not expect to break (bugs).
    pub violations: usize,
    /// Violations of properties it is built to break (lessons).
    #[serde(default)]
    pub lessons: usize,
    #[serde(default)]
    pub events: u64,
}

/// At most this many runs in one batch.
pub const MAX_RUNS: u64 = 10_000_000;

impl Batch {
    /// Checks a request and expands its grid.
    pub fn new(req: Request) -> Result<Batch, BatchError> {
        let def = labs::find(&req.lab)
            .ok_or_else(|| BatchError::Lab(format!("unknown lab `{}`", req.lab)))?;
        if !def.implemented() {
            return Err(BatchError::Lab(format!(
                "lab `{}` is not available yet",
                req.lab
            )));
        }
        let model = matches!(def.kind, LabKind::Model { .. });
        if model && (!req.faults.trim().is_empty() || req.scenario.is_some() || !req.at.is_empty())
        {
            return Err(BatchError::Bad(format!(
                "lab `{}` is computed, not simulated: no --faults, --scenario or --at",
                req.lab
            )));
        }
        let measure = if req.measure.is_empty() {
            Measure::for_lab(def.id)[0]
        } else {
            Measure::parse(def.id, &req.measure).ok_or_else(|| {
                let ids: Vec<&str> = Measure::for_lab(def.id).iter().map(|m| m.id()).collect();
                BatchError::Bad(format!(
                    "`--measure {}` is not one of {} for {}",
                    req.measure,
                    ids.join(", "),
                    def.id
                ))
            })?
        };
        let faults = if req.faults.trim().is_empty() {
            None
        } else {
            Some(FaultSpec::parse(&req.faults).map_err(|e| BatchError::Bad(e.to_string()))?)
        };
        if (faults.is_some() || !req.at.is_empty()) && matches!(measure, Measure::Raft(_)) {
            return Err(BatchError::Bad(format!(
                "`--faults` and `--at` go with `--measure stats`; {} crashes the leader itself",
                measure.id()
            )));
        }
        let mut steps: Vec<(Action, Vec<Time>)> = Vec::new();
        for (a, times) in &req.at {
            let action = Action::decode(a.trim())
                .map_err(|e| BatchError::Bad(format!("`--at {a}@{times}`: {e}")))?;
            let ts = times
                .split(',')
                .map(|t| {
                    crate::parse_duration(t).ok_or_else(|| {
                        BatchError::Bad(format!(
                            "`--at {a}@{times}`: `{t}` is not a time like 300ms"
                        ))
                    })
                })
                .collect::<Result<Vec<Time>, BatchError>>()?;
            steps.push((action, ts));
        }
        let (from, to) = req.seeds;
        if from > to || to - from >= MAX_RUNS {
            return Err(BatchError::Bad(format!(
                "seeds {from}..{to} are not a range of at most {MAX_RUNS}"
            )));
        }
        if let Some(id) = &req.scenario {
            if def.scenario(id).is_none() {
                return Err(BatchError::Bad(format!(
                    "lab `{}` has no scenario `{id}` (see `distlab labs`)",
                    def.id
                )));
            }
        }
        let lists: Vec<(String, Vec<String>)> = req
            .params
            .iter()
            .map(|(k, v)| {
                let vals: Vec<String> = v
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                (k.clone(), vals)
            })
            .collect();
        if let Some((k, _)) = lists.iter().find(|(_, v)| v.is_empty()) {
            return Err(BatchError::Bad(format!("`--param {k}=` has no value")));
        }
        let nparams = lists.len();
        let lists: Vec<(String, Vec<String>)> = lists
            .into_iter()
            .chain(req.at.iter().map(|(a, times)| {
                let vals = times.split(',').map(|t| t.trim().to_string()).collect();
                (format!("at {}", a.trim()), vals)
            }))
            .collect();
        let grid: Vec<String> = lists
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(k, _)| k.clone())
            .collect();
        let npoints: u64 = lists.iter().map(|(_, v)| v.len() as u64).product();
        if npoints.saturating_mul(to - from + 1) > MAX_RUNS {
            return Err(BatchError::Bad(format!(
                "{npoints} grid points × {} seeds is over {MAX_RUNS} runs",
                to - from + 1
            )));
        }
        let mut points = Vec::new();
        for i in 0..npoints {
            // Mixed radix, the first key varying slowest.
            let mut rest = i;
            let mut chosen = vec![String::new(); lists.len()];
            for (j, (_, vals)) in lists.iter().enumerate().rev() {
                chosen[j] = vals[(rest % vals.len() as u64) as usize].clone();
                rest /= vals.len() as u64;
            }
            let mut pairs = vec![("lab".to_string(), def.id.to_string())];
            if let Some(s) = &req.scenario {
                pairs.push(("scenario".into(), s.clone()));
            }
            pairs.push(("v".into(), crate::ENGINE_VERSION.to_string()));
            let set: Vec<(String, String)> = lists
                .iter()
                .zip(&chosen)
                .map(|((k, _), v)| (k.clone(), v.clone()))
                .collect();
            pairs.extend(set[..nparams].iter().cloned());
            let (cfg, errors) = RunConfig::parse(&pairs);
            if let Some(e) = errors.into_iter().find(|e| !e.is_warning()) {
                return Err(BatchError::Input(e));
            }
            // The chosen time of each `--at` axis (its index in the axis' list).
            let point_steps: Vec<(Time, Action)> = steps
                .iter()
                .zip(&lists[nparams..])
                .zip(&chosen[nparams..])
                .map(|(((action, ts), (_, vals)), v)| {
                    let k = vals.iter().position(|x| x == v).unwrap_or(0);
                    (ts[k], action.clone())
                })
                .collect();
            if !point_steps.is_empty() {
                // An action naming a node the lab does not have is bad usage, said once.
                let (mut s, _) = labs::create(&cfg);
                for (t, a) in &point_steps {
                    s.schedule_at(*t, a.clone())
                        .map_err(|e| BatchError::Bad(format!("`--at {}`: {e}", a.encode())))?;
                }
            }
            let set = set.into_iter().filter(|(k, _)| grid.contains(k)).collect();
            points.push(Point {
                set,
                cfg,
                steps: point_steps,
            });
        }
        let batch = Batch {
            request: req,
            lab: def.id,
            measure,
            faults,
            grid,
            points,
        };
        if model {
            // A point the model refuses is bad usage, said once, not a row of errors.
            for p in &batch.points {
                batch
                    .calc(p, batch.request.seeds.0)
                    .map_err(|e| BatchError::Bad(format!("`distlab calc` refuses: {e}")))?;
            }
        }
        Ok(batch)
    }

    pub fn seeds(&self) -> u64 {
        self.request.seeds.1 - self.request.seeds.0 + 1
    }

    /// How many runs: grid points × seeds.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * self.seeds()
    }

    /// The grid point and seed of run `job`.
    pub fn job(&self, job: u64) -> (usize, u64) {
        let n = self.seeds();
        ((job / n) as usize, self.request.seeds.0 + job % n)
    }

    /// The runs of shard `i` of `n` (1-based): every n-th run from the i-th, so each shard
    /// gets a share of every grid point.
    pub fn shard(&self, i: u64, n: u64) -> impl Iterator<Item = u64> {
        (i.saturating_sub(1)..self.runs()).step_by(n.max(1) as usize)
    }

    /// A model lab's result for a point and seed, from its `calc` command.
    fn calc(&self, point: &Point, seed: u64) -> Result<Value, String> {
        let Some(LabKind::Model { calc, .. }) = labs::find(self.lab).map(|d| d.kind) else {
            return Err(format!("lab `{}` is not a model", self.lab));
        };
        let mut args: Vec<String> = calc(&point.cfg.params)
            .split_whitespace()
            .map(String::from)
            .collect();
        if let Some(i) = args.iter().position(|a| a == "--seed") {
            if let Some(v) = args.get_mut(i + 1) {
                *v = seed.to_string();
            }
        }
        crate::calc::run(&args, &mut |f: &mut dyn FnMut()| {
            f();
            0.0
        })
    }

    /// Runs job `job` and measures it.
    pub fn run(&self, job: u64) -> Row {
        let (point, seed) = self.job(job);
        let cfg = &self.points[point].cfg;
        let mut row = Row {
            point,
            seed,
            values: BTreeMap::new(),
            start_ms: None,
            elections: None,
            violations: 0,
            lessons: 0,
            events: 0,
        };
        if let Some(LabKind::Model { .. }) = labs::find(self.lab).map(|d| d.kind) {
            // Checked for every point when the batch was built.
            if let Ok(v) = self.calc(&self.points[point], seed) {
                numbers("", &v, 0, &mut row.values);
            }
            return row;
        }
        if let Measure::Raft(m) = self.measure {
            let info = cfg
                .scenario
                .and_then(|id| crate::scenario::find(self.lab, id));
            let r = raft::run_seed(&cfg.params, info, m, self.request.until, seed);
            row.values.insert(m.id().to_string(), r.value_ms);
            row.start_ms = r.start_ms;
            row.elections = Some(r.elections);
            row.violations = r.violations;
            return row;
        }
        let (mut s, _) = labs::create(&RunConfig {
            seed,
            ..cfg.clone()
        });
        s.set_keep_trace(false);
        for (t, a) in &self.points[point].steps {
            // Checked when the batch was built.
            let _ = s.schedule_at(*t, a.clone());
        }
        match &self.faults {
            Some(spec) => FaultDriver::new(spec.clone(), seed).run(s.as_mut(), self.request.until),
            None => s.run_until(self.request.until),
        }
        s.check_eventually();
        for stat in s.stats() {
            let v = stat.value.is_finite().then_some(stat.value);
            row.values.insert(stat.key.to_string(), v);
        }
        let props = s.properties();
        for v in s.violations() {
            match props.iter().find(|p| p.id == v.invariant) {
                Some(p) if s.is_lesson(p) => row.lessons += 1,
                _ => row.violations += 1,
            }
        }
        row.events = s.events();
        row
    }

    /// The first JSON line of a JSON-lines output: the request, enough to rebuild the batch.
    pub fn header(&self, shard: Option<(u64, u64)>) -> Value {
        json!({
            "type": "batch",
            "engine": crate::ENGINE_VERSION,
            "request": self.request,
            "runs": self.runs(),
            "shard": shard.map(|(i, n)| json!({"index": i, "of": n})),
        })
    }

    /// One run as a JSON line.
    pub fn row_json(&self, row: &Row) -> Value {
        let mut v = json!(row);
        v["type"] = json!("run");
        if let Some(obj) = v.as_object_mut() {
            for (k, val) in &self.points[row.point].set {
                obj.entry("grid")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .map(|g| g.insert(k.clone(), json!(val)));
            }
        }
        v
    }

    /// The CSV header for `rows` (Raft's timed measures keep their historical columns).
    pub fn csv_header(&self, rows: &[Row]) -> String {
        let mut cols: Vec<String> = if self.grid.is_empty() {
            Vec::new()
        } else {
            let mut c = vec!["point".to_string()];
            c.extend(self.grid.iter().cloned());
            c
        };
        match self.measure {
            Measure::Raft(_) => cols.extend(
                ["seed", "value_ms", "start_ms", "elections", "violations"].map(String::from),
            ),
            Measure::Stats => {
                cols.push("seed".into());
                cols.extend(measure_keys(rows));
                cols.extend(["violations", "lessons", "events"].map(String::from));
            }
        }
        cols.join(",")
    }

    /// One run as a CSV row matching [`Batch::csv_header`] (an empty cell: no value).
    pub fn csv_row(&self, row: &Row, keys: &[String]) -> String {
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
        let mut cols: Vec<String> = Vec::new();
        if !self.grid.is_empty() {
            cols.push(row.point.to_string());
            cols.extend(self.points[row.point].set.iter().map(|(_, v)| v.clone()));
        }
        cols.push(row.seed.to_string());
        match self.measure {
            Measure::Raft(m) => {
                cols.push(opt(row.values.get(m.id()).copied().flatten()));
                cols.push(opt(row.start_ms));
                cols.push(row.elections.unwrap_or(0).to_string());
                cols.push(row.violations.to_string());
            }
            Measure::Stats => {
                cols.extend(
                    keys.iter()
                        .map(|k| opt(row.values.get(k).copied().flatten())),
                );
                cols.push(row.violations.to_string());
                cols.push(row.lessons.to_string());
                cols.push(row.events.to_string());
            }
        }
        cols.join(",")
    }

    /// The summary of every run's rows (in any order): one point's object, or, for a grid,
    /// the grid and one object per point.
    pub fn summary(&self, rows: &[Row]) -> Value {
        let mut by_point: Vec<Vec<&Row>> = vec![Vec::new(); self.points.len()];
        for r in rows {
            if let Some(p) = by_point.get_mut(r.point) {
                p.push(r);
            }
        }
        for p in &mut by_point {
            p.sort_by_key(|r| r.seed);
        }
        let objs: Vec<Value> = by_point
            .iter()
            .enumerate()
            .map(|(i, rows)| self.point_summary(i, rows))
            .collect();
        if objs.len() == 1 {
            return objs.into_iter().next().unwrap_or_default();
        }
        let grid: serde_json::Map<String, Value> = self
            .grid
            .iter()
            .map(|k| {
                let vals: Vec<String> = self
                    .points
                    .iter()
                    .filter_map(|p| p.set.iter().find(|(key, _)| key == k))
                    .map(|(_, v)| v.clone())
                    .fold(Vec::new(), |mut acc, v| {
                        if !acc.contains(&v) {
                            acc.push(v);
                        }
                        acc
                    });
                (k.clone(), json!(vals))
            })
            .collect();
        json!({
            "lab": self.lab,
            "measure": self.measure.id(),
            "scenario": self.request.scenario,
            "seeds": { "from": self.request.seeds.0, "to": self.request.seeds.1 },
            "runs": rows.len(),
            "until_ms": self.request.until as f64 / MS as f64,
            "faults": self.faults,
            "violations": rows.iter().map(|r| r.violations).sum::<usize>(),
            "grid": grid,
            "points": objs,
        })
    }

    fn point_summary(&self, i: usize, rows: &[&Row]) -> Value {
        let cfg = &self.points[i].cfg;
        let params: serde_json::Map<String, Value> = cfg
            .params
            .specs
            .iter()
            .zip(&cfg.params.values)
            .map(|(s, v)| (s.key.to_string(), json!(v)))
            .collect();
        let mut v = json!({
            "lab": self.lab,
            "measure": self.measure.id(),
            "scenario": self.request.scenario,
            "seeds": { "from": self.request.seeds.0, "to": self.request.seeds.1 },
            "runs": rows.len(),
            "params": params,
            "until_ms": self.request.until as f64 / MS as f64,
            "violations": rows.iter().map(|r| r.violations).sum::<usize>(),
        });
        let Some(obj) = v.as_object_mut() else {
            return v;
        };
        if !self.grid.is_empty() {
            let set: serde_json::Map<String, Value> = self.points[i]
                .set
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            obj.insert("grid".into(), json!(set));
        }
        match self.measure {
            Measure::Raft(m) => {
                let values: Vec<Option<f64>> = rows
                    .iter()
                    .map(|r| r.values.get(m.id()).copied().flatten())
                    .collect();
                obj.insert("unit".into(), json!("ms"));
                obj.insert("settle_ms".into(), json!(raft::SETTLE as f64 / MS as f64));
                obj.insert(
                    "unstarted".into(),
                    json!(rows.iter().filter(|r| r.start_ms.is_none()).count()),
                );
                if let Value::Object(d) = json!(distribution(&values)) {
                    obj.extend(d);
                }
            }
            Measure::Stats => {
                obj.insert("faults".into(), json!(self.faults));
                obj.insert(
                    "lessons".into(),
                    json!(rows.iter().map(|r| r.lessons).sum::<usize>()),
                );
                let owned: Vec<Row> = rows.iter().map(|r| (*r).clone()).collect();
                let measures: serde_json::Map<String, Value> = measure_keys(&owned)
                    .into_iter()
                    .map(|k| {
                        let values: Vec<Option<f64>> = rows
                            .iter()
                            .map(|r| r.values.get(&k).copied().flatten())
                            .collect();
                        (k, json!(distribution(&values)))
                    })
                    .collect();
                obj.insert("measures".into(), json!(measures));
            }
        }
        v
    }
}

/// The numbers of a model's result, by path (`before.max`, `allocation.2`), down to three
/// levels and into arrays of at most [`MAX_ARRAY`] items.
fn numbers(path: &str, v: &Value, depth: usize, out: &mut BTreeMap<String, Option<f64>>) {
    let key = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Number(n) if !path.is_empty() => {
            out.insert(path.to_string(), n.as_f64());
        }
        Value::Object(m) if depth < 3 => {
            for (k, x) in m {
                numbers(&key(k), x, depth + 1, out);
            }
        }
        Value::Array(a) if depth < 3 && a.len() <= MAX_ARRAY => {
            for (i, x) in a.iter().enumerate() {
                numbers(&key(&i.to_string()), x, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// Arrays longer than this in a model's result (every request, every key) are not measures.
pub const MAX_ARRAY: usize = 16;

/// Every measure key the rows have, sorted.
pub fn measure_keys(rows: &[Row]) -> Vec<String> {
    let mut keys: Vec<String> = rows.iter().flat_map(|r| r.values.keys().cloned()).collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Rebuilds a batch from JSON-lines outputs (its shards', in any order) and checks that they
/// add up to the whole batch: one header each, the same request, every run exactly once.
pub fn merge(lines: impl IntoIterator<Item = String>) -> Result<(Batch, Vec<Row>), String> {
    let mut request: Option<Request> = None;
    let mut rows: Vec<Row> = Vec::new();
    for (n, line) in lines.into_iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(&line).map_err(|e| format!("line {}: not JSON ({e})", n + 1))?;
        match v["type"].as_str() {
            Some("batch") => {
                let r: Request = serde_json::from_value(v["request"].clone())
                    .map_err(|e| format!("line {}: not a batch header ({e})", n + 1))?;
                match &request {
                    Some(prev) if *prev != r => {
                        return Err(format!(
                            "line {}: a header of another batch (the shards must come from \
                             one command with different --shard values)",
                            n + 1
                        ))
                    }
                    _ => request = Some(r),
                }
            }
            Some("run") => rows.push(
                serde_json::from_value(v)
                    .map_err(|e| format!("line {}: not a run row ({e})", n + 1))?,
            ),
            _ => return Err(format!("line {}: neither a batch header nor a run", n + 1)),
        }
    }
    let request = request.ok_or("no batch header line (`distlab batch … --format jsonl`)")?;
    let batch = Batch::new(request).map_err(|e| e.to_string())?;
    let n = batch.seeds();
    let mut seen = vec![false; batch.runs() as usize];
    for r in &rows {
        let job = (r.point as u64) * n + r.seed.wrapping_sub(batch.request.seeds.0);
        match seen.get_mut(job as usize) {
            Some(s) if r.point < batch.points.len() && !*s => *s = true,
            Some(_) if r.point < batch.points.len() => {
                return Err(format!(
                    "run point={} seed={} appears twice (overlapping shards?)",
                    r.point, r.seed
                ))
            }
            _ => {
                return Err(format!(
                    "run point={} seed={} is not part of the batch",
                    r.point, r.seed
                ))
            }
        }
    }
    let missing = seen.iter().filter(|s| !**s).count();
    if missing > 0 {
        return Err(format!(
            "{missing} of {} runs are missing (a shard not given?)",
            seen.len()
        ));
    }
    rows.sort_by_key(|r| (r.point, r.seed));
    Ok((batch, rows))
}
