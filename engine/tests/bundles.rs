//! Web bundles (`registry::BUNDLES`): a bundle installs its own labs only, and a page's URL
//! that names a lab of another bundle, one still to come, or none that exists gets the right
//! message and this bundle's own default lab. This file is its own test binary because a
//! program installs its labs once ([`labs::install`]).

use distlab_engine::input::{split_query, InputError, RunConfig};
use distlab_engine::labs::{self, BUNDLES, CATALOG, LABS};

fn parse(query: &str) -> (RunConfig, Vec<InputError>) {
    RunConfig::parse(&split_query(query))
}

#[test]
fn the_catalog_is_the_bundles_in_order() {
    let from_bundles: Vec<(&str, &str)> = BUNDLES
        .iter()
        .flat_map(|b| b.labs.iter().map(move |l| (l.id, b.id)))
        .collect();
    let catalog: Vec<(&str, &str)> = CATALOG.iter().map(|e| (e.id, e.bundle)).collect();
    assert_eq!(from_bundles, catalog);
    assert_eq!(LABS.len(), CATALOG.len());
    for (lab, entry) in LABS.iter().zip(CATALOG.iter()) {
        assert_eq!(
            (lab.id, lab.group, lab.implemented()),
            (entry.id, entry.group, entry.implemented)
        );
    }
    let mut ids: Vec<&str> = BUNDLES.iter().map(|b| b.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), BUNDLES.len(), "bundle ids are unique");
    for b in BUNDLES {
        assert!(!b.labs.is_empty(), "{}: empty bundle", b.id);
        assert!(
            b.id.chars().all(|c| c.is_ascii_lowercase()),
            "{}: a bundle id is a lowercase word (it names a directory)",
            b.id
        );
        assert_eq!(labs::bundle(b.id).len(), b.labs.len());
    }
}

#[test]
fn a_bundle_runs_its_own_labs_and_says_where_the_others_are() {
    labs::install(labs::bundle("tx"));
    let here: Vec<&str> = labs::installed().iter().map(|l| l.id).collect();
    assert!(
        here.contains(&"tx-2pc") && !here.contains(&"raft"),
        "{here:?}"
    );
    assert!(labs::find("raft").is_none());
    // Raft is not here: the page's default is this bundle's first lab that runs.
    assert_eq!(labs::default_lab(), "tx-2pc");
    let (cfg, errors) = parse("");
    assert_eq!((cfg.lab, errors.len()), ("tx-2pc", 0));

    let (cfg, errors) = parse("lab=raft&seed=3");
    assert_eq!(cfg.lab, "tx-2pc");
    assert_eq!(cfg.seed, 3);
    assert!(
        matches!(&errors[..], [InputError::LabElsewhere { lab, used: "tx-2pc" }] if lab == "raft"),
        "{errors:?}"
    );
    let coming = CATALOG
        .iter()
        .find(|e| !e.implemented)
        .expect("a lab still to come");
    let (_, errors) = parse(&format!("lab={}", coming.id));
    assert!(
        matches!(&errors[..], [InputError::LabNotReady { .. }]),
        "{errors:?}"
    );
    let (_, errors) = parse("lab=no-such-lab");
    assert!(
        matches!(&errors[..], [InputError::UnknownLab { .. }]),
        "{errors:?}"
    );
    // The messages are English in the runner; the app translates them (err.lab_elsewhere).
    assert!(errors[0].to_string().contains("no-such-lab"));
}
