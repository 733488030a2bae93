//! Files as data: the operations the kubelet machine asks its caller to perform, and [`Disk`],
//! the caller's answer to "what is on disk" — a map from path to a regular file or a symbolic
//! link that also applies the operations, so tests and the crash-recovery proptest run the
//! store against an in-memory file system.

use std::collections::BTreeMap;
use std::fmt;

/// A file-system effect the caller performs, in the order emitted. Each maps to one system call
/// as client-go's file store makes it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileOperation {
    /// `os.MkdirAll(path, mode)`.
    CreateDirectory {
        /// The directory.
        path: String,
        /// Permission bits, e.g. `0o755`.
        mode: u32,
    },
    /// `os.OpenFile(path, O_CREATE|O_TRUNC|O_RDWR, mode)` and write `contents`. The contents may
    /// hold a private key: `Debug` shows only their length.
    WriteFile {
        /// The file.
        path: String,
        /// Permission bits for a new file, e.g. `0o600`.
        mode: u32,
        /// The bytes.
        contents: Vec<u8>,
    },
    /// `os.Symlink(target, link)`.
    Symlink {
        /// What the link points at (an absolute path).
        target: String,
        /// The link to create.
        link: String,
    },
    /// `os.Rename(from, to)` (atomically replaces `to`).
    Rename {
        /// The old path.
        from: String,
        /// The new path.
        to: String,
    },
    /// `os.Remove(path)`; a missing file is not an error.
    Remove {
        /// The path.
        path: String,
    },
}

impl fmt::Debug for FileOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CreateDirectory { path, mode } => {
                write!(f, "CreateDirectory({path:?}, {mode:#o})")
            }
            Self::WriteFile {
                path,
                mode,
                contents,
            } => write!(
                f,
                "WriteFile({path:?}, {mode:#o}, {} bytes)",
                contents.len()
            ),
            Self::Symlink { target, link } => write!(f, "Symlink({link:?} -> {target:?})"),
            Self::Rename { from, to } => write!(f, "Rename({from:?} -> {to:?})"),
            Self::Remove { path } => write!(f, "Remove({path:?})"),
        }
    }
}

/// One directory entry of a [`Disk`].
#[derive(Clone, PartialEq, Eq)]
pub enum Entry {
    /// A regular file with its contents and permission bits.
    File {
        /// The bytes (may be a private key: `Debug` shows only the length).
        contents: Vec<u8>,
        /// Permission bits.
        mode: u32,
    },
    /// A symbolic link and its target path.
    Symlink(String),
    /// A directory.
    Directory,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { contents, mode } => write!(f, "File({} bytes, {mode:#o})", contents.len()),
            Self::Symlink(t) => write!(f, "Symlink({t:?})"),
            Self::Directory => f.write_str("Directory"),
        }
    }
}

/// The files the kubelet machine may read, by absolute path: what the caller found on disk at
/// start (the kubeconfig, the bootstrap kubeconfig, the files they name, and the certificate
/// directory's `kubelet-client*` / `kubelet-server*` entries). A path not in the map does not
/// exist. [`Disk::apply`] performs a [`FileOperation`] on the map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Disk {
    entries: BTreeMap<String, Entry>,
}

/// How many links [`Disk::stat`] follows before giving up (Linux's `ELOOP` limit is 40).
const MAX_LINKS: usize = 40;

impl Disk {
    /// An empty file system.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a regular file (mode `0o600`).
    pub fn insert_file(&mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) {
        self.entries.insert(
            path.into(),
            Entry::File {
                contents: contents.into(),
                mode: 0o600,
            },
        );
    }

    /// Adds a symbolic link.
    pub fn insert_symlink(&mut self, link: impl Into<String>, target: impl Into<String>) {
        self.entries
            .insert(link.into(), Entry::Symlink(target.into()));
    }

    /// The entry at `path` itself (`os.Lstat`).
    pub fn lstat(&self, path: &str) -> Option<&Entry> {
        self.entries.get(path)
    }

    /// The entry `path` leads to after following symbolic links (`os.Stat`); `None` for a
    /// missing path, a dangling link or a loop.
    pub fn stat(&self, path: &str) -> Option<&Entry> {
        let mut path = path;
        for _ in 0..MAX_LINKS {
            match self.entries.get(path)? {
                Entry::Symlink(target) => path = target,
                other => return Some(other),
            }
        }
        None
    }

    /// The contents of the regular file `path` leads to.
    pub fn read(&self, path: &str) -> Option<&[u8]> {
        match self.stat(path)? {
            Entry::File { contents, .. } => Some(contents),
            _ => None,
        }
    }

    /// Every entry, by path.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(p, e)| (p.as_str(), e))
    }

    /// Performs `op` as the operating system would; a failing call (rename of a missing path)
    /// is reported as `Err` with the path.
    pub fn apply(&mut self, op: &FileOperation) -> Result<(), String> {
        match op {
            FileOperation::CreateDirectory { path, .. } => {
                self.entries.entry(path.clone()).or_insert(Entry::Directory);
            }
            FileOperation::WriteFile {
                path,
                mode,
                contents,
            } => {
                // O_CREATE|O_TRUNC follows a symlink to its target.
                let mut target = path.clone();
                for _ in 0..MAX_LINKS {
                    match self.entries.get(&target) {
                        Some(Entry::Symlink(t)) => target = t.clone(),
                        _ => break,
                    }
                }
                let mode = match self.entries.get(&target) {
                    Some(Entry::File { mode, .. }) => *mode,
                    _ => *mode,
                };
                self.entries.insert(
                    target,
                    Entry::File {
                        contents: contents.clone(),
                        mode,
                    },
                );
            }
            FileOperation::Symlink { target, link } => {
                if self.entries.contains_key(link) {
                    return Err(format!("symlink {link}: file exists"));
                }
                self.entries
                    .insert(link.clone(), Entry::Symlink(target.clone()));
            }
            FileOperation::Rename { from, to } => {
                let entry = self
                    .entries
                    .remove(from)
                    .ok_or_else(|| format!("rename {from} {to}: no such file or directory"))?;
                self.entries.insert(to.clone(), entry);
            }
            FileOperation::Remove { path } => {
                self.entries.remove(path);
            }
        }
        Ok(())
    }
}

/// Go's `filepath.Join(dir, name)` for a file name without separators: one `/` between them.
pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        return name.to_owned();
    }
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}
