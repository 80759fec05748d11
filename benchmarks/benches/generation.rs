//! Generation (load + resolve + lower + emit + prettyplease, without rustfmt) of the cocore
//! lexicons and of the whole atproto corpus.

use criterion::{criterion_group, criterion_main, Criterion};
use lexicon_codegen::{generate, Options};

fn generation(c: &mut Criterion) {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut g = c.benchmark_group("generate");
    g.sample_size(10);
    for (name, dir) in [
        ("cocore", "lexicons"),
        ("atproto corpus", "tests/data/corpus/atproto"),
    ] {
        let options = Options::new()
            .lexicons(format!("{data}/{dir}"))
            .rustfmt(false);
        g.bench_function(name, |b| b.iter(|| generate(&options).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);
