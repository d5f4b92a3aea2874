//! One module per subcommand.

pub mod batch;
pub mod bench;
pub mod check;
pub mod labs;
pub mod run;
