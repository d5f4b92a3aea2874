//! The web app's entry point. `DISTLAB_BUNDLE` at compile time names the bundle of labs this
//! wasm holds (`scripts/bundles.sh` builds one per bundle of `registry::BUNDLES`); without it,
//! every lab (the development server).

use distlab_app::plots::{views_for, Views};
use distlab_engine::labs::{bundle, LabDef, LABS};

const HERE: &[LabDef] = match option_env!("DISTLAB_BUNDLE") {
    Some(id) => bundle(id),
    None => LABS,
};

static VIEWS: Views = views_for(HERE);

fn main() {
    distlab_app::start(HERE, &VIEWS);
}
