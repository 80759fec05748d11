#!/usr/bin/env bash
# Build time and peak memory of generated bindings against atrium-api, from clean, -j2:
#   (a) a crate depending on our bindings of the atproto corpus with features app-bsky + chat-bsky
#   (b) a crate depending on atrium-api =0.26.0 with its default features (app.bsky, chat.bsky,
#       com.atproto, and its client layer)
#   (c) our bindings of the whole corpus (every namespace)
# each in debug and release, in scratch folders outside the workspace (each with its own target
# folder, so dependencies are built too, as a user's clean build does); plus line counts.
#
#   bench/compile-time.sh [debug|release|both]     (default both; needs crates.io for atrium-api)
#
# Our bindings are generated once (what a user commits), as a crate with one feature per
# namespace, so that build scripts and generation are not timed. Prints one table row per build.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
profiles="${1:-both}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

cargo build -q --release -p lexicon-codegen --manifest-path "$repo/Cargo.toml"
codegen="$repo/target/release/lexicon-codegen"

# The generated bindings crate.
mkdir -p "$scratch/bindings"
"$codegen" generate -q --lexicons "$repo/tests/data/corpus/atproto" --out "$scratch/bindings/src" --feature-gates
{
  echo '[package]'
  echo 'name = "corpus-bindings"'
  echo 'version = "0.1.0"'
  echo 'edition = "2021"'
  echo
  (cd "$repo" && cargo run -q -p lexicon-codegen --example features -- tests/data/corpus/atproto)
  echo
  echo '[dependencies]'
  echo "lexicon-runtime = { path = \"$repo/runtime\" }"
} > "$scratch/bindings/Cargo.toml"
ours_lines=$(find "$scratch/bindings/src" -name '*.rs' -print0 | xargs -0 cat | wc -l)

# A user crate for each case: (a) ours with two namespaces, (b) atrium-api, (c) ours whole.
user_crate() { # name, dependency line
  mkdir -p "$scratch/$1/src"
  printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n%s\n\n[workspace]\n' "$1" "$2" > "$scratch/$1/Cargo.toml"
  echo 'pub fn touch() {}' > "$scratch/$1/src/lib.rs"
}
user_crate ours-two "corpus-bindings = { path = \"../bindings\", default-features = false, features = [\"app-bsky\", \"chat-bsky\"] }"
user_crate atrium 'atrium-api = "=0.26.0"'
user_crate ours-all "corpus-bindings = { path = \"../bindings\" }"
# The bindings crate must not be taken for a member of another workspace.
printf '\n[workspace]\n' >> "$scratch/bindings/Cargo.toml"

echo "| case | profile | wall | peak RSS |"
echo "| --- | --- | --- | --- |"
for profile in debug release; do
  if [ "$profiles" != both ] && [ "$profiles" != "$profile" ]; then continue; fi
  flag=""; [ "$profile" = release ] && flag="--release"
  for case in ours-two atrium ours-all; do
    target="$scratch/target-$case-$profile"
    # Fetch first, so that the timed build does not download.
    (cd "$scratch/$case" && cargo fetch -q)
    out=$( { /usr/bin/time -f '%e %M' cargo build -q -j2 $flag --manifest-path "$scratch/$case/Cargo.toml" --target-dir "$target" ; } 2>&1 | tail -1)
    read -r secs kb <<< "$out"
    echo "| $case | $profile | ${secs} s | $((kb / 1024)) MB |"
    rm -rf "$target"
  done
done

atrium_src=$(find "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/atrium-api-0.26.0/src -name '*.rs' -print0 2>/dev/null | xargs -0 cat 2>/dev/null | wc -l)
echo
echo "generated lines: ours (whole corpus, with builders) $ours_lines; atrium-api 0.26.0 src $atrium_src"
