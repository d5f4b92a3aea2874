//! `distlab`: see the library's documentation and `distlab --help`.

use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let (stdout, stderr) = (std::io::stdout(), std::io::stderr());
    let progress = stderr.is_terminal();
    let mut io = distlab_runner::Io {
        out: &mut stdout.lock(),
        err: &mut stderr.lock(),
        progress,
    };
    ExitCode::from(distlab_runner::main_with(std::env::args_os(), &mut io))
}
