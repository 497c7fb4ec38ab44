//! Build script: records what this binary was built from, for `sirm version`
//! and `sirm --version` (docs/supply-chain.md).
//!
//! Sets, for the compilation of the `sirm` crate:
//! - `SIRM_GIT_COMMIT`: `git rev-parse HEAD` of the workspace, or `unknown`
//!   when the sources are not a git checkout (a source tarball) or git is
//!   not installed. The build never fails for want of git.
//! - `SIRM_GIT_TREE`: `clean`, `dirty` (tracked files modified or untracked
//!   files present, ignored files excepted) or `unknown`.
//! - `SIRM_BUILD_PROFILE`: `debug` or `release` (Cargo's `PROFILE`).
//! - `SIRM_BUILD_RUSTC`: `rustc --version` of the compiler that built it.
//! - `SIRM_BUILD_TARGET`: the target triple.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");

    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    // crates/sirm -> the workspace root.
    let workspace = manifest_dir
        .as_deref()
        .and_then(|d| d.parent())
        .and_then(|d| d.parent())
        .map(Path::to_path_buf);

    let git = workspace.as_deref().and_then(GitInfo::read);
    let (commit, tree) = match &git {
        Some(info) => (info.commit.as_str(), info.tree),
        None => ("unknown", "unknown"),
    };
    println!("cargo:rustc-env=SIRM_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=SIRM_GIT_TREE={tree}");

    if let (Some(info), Some(root)) = (&git, &workspace) {
        // Rebuild when HEAD moves (checkout, commit) or the index changes
        // (add, commit), and when the sources change, so that `dirty` is
        // recomputed. Only paths that exist: a missing one would make Cargo
        // rerun this script on every build.
        let mut watched = info.git_paths.clone();
        watched.extend(
            ["Cargo.toml", "Cargo.lock", "crates", "rulesets"]
                .iter()
                .map(|p| root.join(p)),
        );
        for path in watched.iter().filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }

    let profile = env::var("PROFILE").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=SIRM_BUILD_PROFILE={profile}");

    let rustc = env::var_os("RUSTC")
        .and_then(|rustc| output_of(Command::new(rustc).arg("--version")))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=SIRM_BUILD_RUSTC={rustc}");

    let target = env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=SIRM_BUILD_TARGET={target}");
}

struct GitInfo {
    commit: String,
    tree: &'static str,
    /// Files under the git directory whose change means HEAD or the index moved.
    git_paths: Vec<PathBuf>,
}

impl GitInfo {
    /// The commit and state of the git checkout whose top level is `root`;
    /// `None` when `root` is not the top of a git checkout (a tarball, perhaps
    /// unpacked inside some other repository) or git cannot be run.
    fn read(root: &Path) -> Option<GitInfo> {
        let toplevel = git(root, &["rev-parse", "--show-toplevel"])?;
        let same = match (Path::new(&toplevel).canonicalize(), root.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if !same {
            return None;
        }
        let commit = git(root, &["rev-parse", "--verify", "HEAD"])?;
        if commit.len() != 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        // --no-optional-locks: do not refresh (rewrite) the index, which
        // would make the index look changed and rerun this script.
        let tree = match git(root, &["--no-optional-locks", "status", "--porcelain"]) {
            Some(status) if status.is_empty() => "clean",
            Some(_) => "dirty",
            None => "unknown",
        };

        // --git-path resolves per-worktree (HEAD, index) and shared
        // (refs, packed-refs) files alike.
        let mut names = vec![
            "HEAD".to_owned(),
            "index".to_owned(),
            "packed-refs".to_owned(),
        ];
        if let Some(reference) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
            names.push(reference);
        }
        let git_paths = names
            .iter()
            .filter_map(|name| git(root, &["rev-parse", "--git-path", name]))
            .map(|p| root.join(p))
            .collect();

        Some(GitInfo {
            commit,
            tree,
            git_paths,
        })
    }
}

/// Runs `git -C dir args…`; its trimmed standard output if it succeeded.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    output_of(Command::new("git").arg("-C").arg(dir).args(args))
}

fn output_of(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    Some(text.trim().to_owned())
}
