//! `distlab batch` and `distlab merge`: a grid of parameters × seeds on every core, or one
//! shard of it; the shards' JSON lines merged into the distribution a single run gives.

use std::io::BufRead;
use std::path::PathBuf;

use distlab_engine::batch::{self, Batch, Request, Row};
use distlab_engine::Time;
use rayon::prelude::*;

use super::run::not_ready;
use crate::{
    parse_lab, parse_pair, parse_positive_time, parse_seeds, progress, usage_error, Io, OK,
    VIOLATED,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One object: the distribution of each measure (per grid point)
    Json,
    /// JSON lines: a header line, then one line per run (what `merge` reads)
    Jsonl,
    /// CSV: a header, then one row per run
    Csv,
}

/// Repeat a lab over a grid of parameters × seeds and print each measure's distribution
///
/// A model lab (placement, fair-mmf, fair-drf, ratelimit) is swept through its `calc`
/// command: its measures are the numbers of the result.
///
/// Each --param may list values (`--param nodes=3,5,7`); the grid is every combination. Runs
/// spread over every core; the output is ordered by grid point and seed, so it is the same
/// whatever the core count. Percentiles are nearest-rank over all runs, a run without a value
/// by --until ranking above every value.
///
/// Across machines: `--shard i/n --format jsonl` runs every n-th run from the i-th; `distlab
/// merge` combines the shards' outputs into exactly what one run prints.
#[derive(clap::Args)]
pub struct BatchArgs {
    /// The lab's id (a networked lab; see below)
    #[arg(value_parser = parse_lab)]
    pub lab: &'static str,
    /// The seeds, inclusive: 1..500 is 500 runs per grid point; or one seed
    #[arg(long, value_parser = parse_seeds)]
    pub seeds: (u64, u64),
    /// A parameter and its value, or comma-separated values for a grid (repeatable)
    #[arg(long = "param", value_name = "KEY=V1[,V2...]", value_parser = parse_pair)]
    pub params: Vec<(String, String)>,
    /// One of the lab's presets, played under every seed
    #[arg(long)]
    pub scenario: Option<String>,
    /// What each run measures (default: raft election-time, other labs stats)
    #[arg(long)]
    pub measure: Option<String>,
    /// An action planned in every run, like a preset's step, at a time or a grid of times
    /// (`--at c0@100ms,300ms,1s` crashes node 0; actions as in share links: c, r, p, u, x, h,
    /// y, P, H, k, t); repeatable
    #[arg(long, value_name = "ACTION@T1[,T2...]", value_parser = parse_at)]
    pub at: Vec<(String, String)>,
    /// Random faults in every run (with the stats measure), as for `distlab run`
    #[arg(long)]
    pub faults: Option<String>,
    /// Each run's time limit (default 60s)
    #[arg(long, value_parser = parse_positive_time, allow_hyphen_values = true)]
    pub until: Option<Time>,
    /// Output format
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Run only shard I of N (1-based), e.g. --shard 2/8; needs --format jsonl
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Worker threads (default: every core)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
}

/// Combine the JSON-lines outputs of a batch's shards into the batch's output
#[derive(clap::Args)]
pub struct MergeArgs {
    /// The shards' outputs (`-` reads standard input)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
}

/// Parses `ACTION@TIMES` (a value parser; the batch checks the action and the times).
fn parse_at(s: &str) -> Result<(String, String), String> {
    s.rsplit_once('@')
        .map(|(a, t)| (a.trim().to_string(), t.trim().to_string()))
        .filter(|(a, t)| !a.is_empty() && !t.is_empty())
        .ok_or_else(|| format!("`{s}` is not ACTION@TIMES like c0@300ms,1s"))
}

/// Parses `I/N` with 1 ≤ I ≤ N (a value parser).
fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    s.split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)))
        .filter(|&(i, n): &(u64, u64)| i >= 1 && i <= n)
        .ok_or_else(|| format!("`{s}` is not a shard like 2/8 (1 ≤ I ≤ N)"))
}

/// Runs `jobs` of `batch` on a pool of `threads` (all cores if None), in job order.
pub fn run_jobs(batch: &Batch, jobs: &[u64], threads: Option<u32>, io: &Io) -> Vec<Row> {
    let bar = progress::bar(io.progress, jobs.len() as u64, batch.lab);
    let work = || {
        // One job per task: run costs differ by orders of magnitude between grid points (a
        // timeout range that never elects runs to the end), and rayon's default splitting would
        // leave one thread a long run of the costly ones.
        jobs.par_iter()
            .with_max_len(1)
            .map(|&j| {
                let r = batch.run(j);
                bar.inc(1);
                r
            })
            .collect::<Vec<Row>>()
    };
    let rows = match threads.map(|n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build()
    }) {
        Some(Ok(pool)) => pool.install(work),
        _ => work(),
    };
    bar.finish_and_clear();
    rows
}

pub fn batch(a: BatchArgs, io: &mut Io) -> u8 {
    if let Some(e) = not_ready(a.lab) {
        return usage_error(io, "batch", e);
    }
    if a.shard.is_some() && a.format != Format::Jsonl {
        return usage_error(
            io,
            "batch",
            "`--shard` needs `--format jsonl` (merge the shards with `distlab merge`)",
        );
    }
    let measure = a.measure.clone().unwrap_or_default();
    let default_until = 60_000 * distlab_engine::MS;
    let req = Request {
        lab: a.lab.to_string(),
        measure,
        scenario: a.scenario.clone(),
        seeds: a.seeds,
        until: a.until.unwrap_or(default_until),
        faults: a.faults.clone().unwrap_or_default(),
        params: a.params.clone(),
        at: a.at.clone(),
    };
    let b = match Batch::new(req) {
        Ok(b) => b,
        Err(e) => return usage_error(io, "batch", e),
    };
    let jobs: Vec<u64> = match a.shard {
        Some((i, n)) => b.shard(i, n).collect(),
        None => (0..b.runs()).collect(),
    };
    let rows = run_jobs(&b, &jobs, a.jobs, io);
    print(&b, &rows, a.format, a.shard, io)
}

/// Prints `rows` (sorted by job) in `format`; exit 1 if any run broke a property it should not.
fn print(b: &Batch, rows: &[Row], format: Format, shard: Option<(u64, u64)>, io: &mut Io) -> u8 {
    match format {
        Format::Json => io.emit(&b.summary(rows).to_string()),
        Format::Jsonl => {
            io.emit(&b.header(shard).to_string());
            for r in rows {
                io.emit(&b.row_json(r).to_string());
            }
        }
        Format::Csv => {
            let keys = batch::measure_keys(rows);
            io.emit(&b.csv_header(rows));
            for r in rows {
                io.emit(&b.csv_row(r, &keys));
            }
        }
    }
    if rows.iter().all(|r| r.violations == 0) {
        OK
    } else {
        VIOLATED
    }
}

pub fn merge(a: MergeArgs, io: &mut Io) -> u8 {
    let mut lines = Vec::new();
    for f in &a.files {
        let read: Result<Vec<String>, std::io::Error> = if f.as_os_str() == "-" {
            std::io::stdin().lock().lines().collect()
        } else {
            std::fs::File::open(f).and_then(|file| std::io::BufReader::new(file).lines().collect())
        };
        match read {
            Ok(l) => lines.extend(l),
            Err(e) => return usage_error(io, "merge", format!("cannot read {}: {e}", f.display())),
        }
    }
    match batch::merge(lines) {
        Ok((b, rows)) => print(&b, &rows, a.format, None, io),
        Err(e) => usage_error(io, "merge", e),
    }
}
