//! `distlab`, DistLab's command-line runner: runs any lab headless with a seed and prints JSON
//! (`run`), repeats runs over a grid of parameters × seeds on every core (`batch`), combines
//! shards of a batch run on several machines (`merge`), searches random fault schedules for a
//! counterexample and shrinks it to a share link (`check`), measures engine speed (`bench`),
//! lists the labs (`labs`) and computes the model labs (`calc`).
//!
//! The command line is declared once, with clap's derive API; help, validation and shell
//! completions come from it, and lab ids, parameters and ranges from the engine's registry.
//! [`main_with`] runs a command line against any output streams, which is how the tests run
//! it in-process.

mod cmd;
mod progress;

use std::ffi::OsString;
use std::io::Write;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use distlab_engine::Time;

pub use cmd::labs::describe_lab;

/// Where a command writes: standard output for results, standard error for notes and errors,
/// and whether a progress bar may be drawn (standard error is a terminal).
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub progress: bool,
}

impl Io<'_> {
    /// One line of output; a closed pipe (`distlab … | head`) is not an error.
    pub fn emit(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
    }

    /// A note on standard error.
    pub fn note(&mut self, line: &str) {
        let _ = writeln!(self.err, "{line}");
    }
}

/// Exit status: success.
pub const OK: u8 = 0;
/// Exit status: a property broke (a counterexample found, a violation in a run).
pub const VIOLATED: u8 = 1;
/// Exit status: bad usage.
pub const USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "distlab",
    version,
    about = "Run DistLab's distributed-systems labs headless and print JSON",
    long_about = "Run DistLab's distributed-systems labs headless and print JSON.\n\n\
                  Every run is deterministic: the same lab, parameters, seed and actions give \
                  the same trace, here and in the browser (a share link's values work as \
                  --param, --seed and --actions).",
    after_help = "Exit status: 0 ok, 1 a property broke (a lesson, a property the lab is \
                  built to break, does not count), 2 bad usage.\n\
                  `distlab labs` lists every lab with its parameters, ranges and presets."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Run(cmd::run::RunArgs),
    Batch(cmd::batch::BatchArgs),
    Merge(cmd::batch::MergeArgs),
    Check(cmd::check::CheckArgs),
    Bench(cmd::bench::BenchArgs),
    Labs(cmd::labs::LabsArgs),
    Calc(CalcArgs),
    Completions(CompletionsArgs),
}

/// Compute a model lab (placement, MMF, DRF, rate limiting) and print one JSON object
#[derive(clap::Args)]
#[command(disable_help_flag = true)]
struct CalcArgs {
    /// The calculator and its options (`distlab calc --help` lists them)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    args: Vec<String>,
}

/// Print a shell completion script (source it from your shell's startup file)
#[derive(clap::Args)]
struct CompletionsArgs {
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// The command line's definition with the registry's lab lists in the subcommands' help.
pub fn command() -> clap::Command {
    let mut c = Cli::command();
    for (name, text) in cmd::labs::subcommand_help() {
        c = c.mut_subcommand(name, |s| s.after_long_help(text));
    }
    c
}

/// Runs `distlab args…` in-process with its output captured, as a test or a notebook would:
/// (exit status, standard output, standard error). No progress bar is drawn.
pub fn run_captured(args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = Io {
        out: &mut out,
        err: &mut err,
        progress: false,
    };
    let code = main_with(
        std::iter::once("distlab").chain(args.iter().copied()),
        &mut io,
    );
    (
        code,
        String::from_utf8(out).expect("the runner writes UTF-8"),
        String::from_utf8(err).expect("the runner writes UTF-8"),
    )
}

/// Runs a command line (`args[0]` is the program name) and returns the exit status.
pub fn main_with<I, T>(args: I, io: &mut Io) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let mut cli_def = command();
    if args.len() <= 1 {
        io.emit(cli_def.render_long_help().to_string().trim_end());
        return OK;
    }
    let cli = match cli_def
        .try_get_matches_from_mut(&args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            return if e.use_stderr() {
                let _ = write!(io.err, "{text}");
                USAGE
            } else {
                io.emit(text.trim_end());
                OK
            };
        }
    };
    match cli.command {
        Command::Run(a) => cmd::run::run(a, io),
        Command::Batch(a) => cmd::batch::batch(a, io),
        Command::Merge(a) => cmd::batch::merge(a, io),
        Command::Check(a) => cmd::check::check(a, io),
        Command::Bench(a) => cmd::bench::bench(a, io),
        Command::Labs(a) => cmd::labs::labs(a, io),
        Command::Calc(a) => calc(&a.args, io),
        Command::Completions(a) => {
            let mut c = command();
            clap_complete::generate(a.shell, &mut c, "distlab", io.out);
            OK
        }
    }
}

/// A usage error found after parsing (a parameter out of range, a lab not ready): the
/// conventional `error: …` and a pointer to the subcommand's help, exit 2.
pub(crate) fn usage_error(io: &mut Io, sub: &str, msg: impl std::fmt::Display) -> u8 {
    io.note(&format!(
        "error: {msg}\n\nFor more information, try 'distlab {sub} --help'."
    ));
    USAGE
}

/// `distlab calc …`: the engine's calculators parse their own options.
fn calc(args: &[String], io: &mut Io) -> u8 {
    if args.is_empty() || matches!(args[0].as_str(), "-h" | "--help" | "help") {
        io.emit(distlab_engine::calc::help().trim_end());
        return OK;
    }
    // The runner owns the wall clock; the engine only receives a timer (for `--bench`).
    let mut timer = |f: &mut dyn FnMut()| {
        let t = std::time::Instant::now();
        f();
        t.elapsed().as_secs_f64()
    };
    match distlab_engine::calc::render(args, &mut timer) {
        Ok(v) => {
            io.emit(&v);
            OK
        }
        Err(e) => {
            io.note(&format!("error: {e} (see `distlab calc --help`)"));
            USAGE
        }
    }
}

/// Parses `500ms`, `10s`, `2m` or plain milliseconds (a value parser).
pub(crate) fn parse_time(s: &str) -> Result<Time, String> {
    distlab_engine::parse_duration(s)
        .ok_or_else(|| format!("`{s}` is not a time like 500ms, 10s or 2m"))
}

/// Parses a positive time (a value parser).
pub(crate) fn parse_positive_time(s: &str) -> Result<Time, String> {
    parse_time(s).and_then(|t| {
        if t > 0 {
            Ok(t)
        } else {
            Err(format!("`{s}` is not a time after 0"))
        }
    })
}

/// Parses `key=value` (a value parser).
pub(crate) fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("`{s}` is not key=value"))
}

/// Parses a seed (a value parser).
pub(crate) fn parse_seed(s: &str) -> Result<u64, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number"))
}

/// Parses `A..B` (inclusive) or one seed (a value parser).
pub(crate) fn parse_seeds(s: &str) -> Result<(u64, u64), String> {
    let range = match s.split_once("..") {
        Some((a, b)) => a.trim().parse().ok().zip(b.trim().parse().ok()),
        None => s.trim().parse().ok().map(|n| (n, n)),
    };
    range
        .filter(|&(a, b): &(u64, u64)| a <= b && b - a < 1_000_000)
        .ok_or_else(|| format!("`{s}` is not a range like 1..500 (at most 1,000,000 seeds)"))
}

/// Parses a lab id the registry has (a value parser).
pub(crate) fn parse_lab(s: &str) -> Result<&'static str, String> {
    distlab_engine::labs::find(s.trim())
        .map(|l| l.id)
        .ok_or_else(|| format!("unknown lab `{s}` (see `distlab labs`)"))
}

/// The wall clock the engine's benchmarks are given.
pub(crate) fn clock(f: &mut dyn FnMut()) -> f64 {
    let t = std::time::Instant::now();
    f();
    t.elapsed().as_secs_f64()
}
