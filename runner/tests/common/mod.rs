//! Helpers shared by the runner's integration tests.

/// Runs `distlab args…` in-process: (exit status, stdout, stderr).
pub fn distlab(args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = distlab_runner::Io {
        out: &mut out,
        err: &mut err,
        progress: false,
    };
    let code = distlab_runner::main_with(
        std::iter::once("distlab").chain(args.iter().copied()),
        &mut io,
    );
    (
        code,
        String::from_utf8(out).expect("utf-8"),
        String::from_utf8(err).expect("utf-8"),
    )
}
