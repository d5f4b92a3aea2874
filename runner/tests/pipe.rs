//! The `distlab` binary itself (the other command-line tests run it in-process).

/// `distlab … | head` closes the pipe early: the runner stops quietly (exit 0), no panic.
#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::process::{Command, Stdio};
    for args in [
        &["--help"][..],
        &["bench", "--seconds", "1", "--writes", "0"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_distlab"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("distlab runs");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("distlab ends");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}
