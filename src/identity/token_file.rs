//! kube-apiserver's static token file (`--token-auth-file`), loaded exactly as Kubernetes'
//! `tokenfile.NewCSV` loads it, and looked up in constant time.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use digest_index::DigestIndex;

use subtle::ConstantTimeEq as _;

use super::UserInfo;
use super::csv::{CsvError, Field, Reader};

mod digest_index;

/// The SHA-256 digest of a token: how a [`TokenFile`] stores and finds tokens.
///
/// Equality is constant-time. `Debug` prints only the [fingerprint](Self::fingerprint).
#[derive(Clone, Copy)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// The digest of `token`'s bytes.
    pub fn of(token: &[u8]) -> Self {
        Self(sha256(token))
    }

    /// The 32 digest bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `sha256:` and the first 16 lowercase hex digits of the digest: enough for an admin to tell
    /// tokens apart, useless for recovering one.
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::TokenDigest;
    /// assert_eq!(TokenDigest::of(b"abc").fingerprint(), "sha256:ba7816bf8f01cfea");
    /// ```
    pub fn fingerprint(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(7 + 16);
        out.push_str("sha256:");
        for byte in &self.0[..8] {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        out
    }
}

impl PartialEq for TokenDigest {
    fn eq(&self, other: &Self) -> bool {
        // OR the XOR of the two digests, word by word, into one word without branching, then
        // compare that word with zero in constant time (`subtle` hides it from the optimiser).
        let (ours, _) = self.0.as_chunks::<8>();
        let (theirs, _) = other.0.as_chunks::<8>();
        let diff = ours.iter().zip(theirs).fold(0u64, |acc, (a, b)| {
            acc | (u64::from_le_bytes(*a) ^ u64::from_le_bytes(*b))
        });
        diff.ct_eq(&0).into()
    }
}

impl Eq for TokenDigest {}

impl Hash for TokenDigest {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.fingerprint())
    }
}

/// The tokens of a static token file and the user each one authenticates as.
///
/// The file keeps no token, only SHA-256 digests of them. Each entry sits in a table at the
/// slot that SipHash-1-3 of its token picks, under a 128-bit key derived from the digests of all
/// the file's tokens; [`lookup`](Self::lookup) goes to the presented token's slot, and compares
/// the SHA-256 digest of the presented token with the stored one in constant time (`subtle`).
///
/// What may leak through timing: the number of entries (the table's size and cache behaviour);
/// the presented token's length (both hashes work in 8- or 64-byte blocks); whether it was
/// found; and the probe sequence: the slot the keyed hash picks, whether the slots from there to
/// the next empty one carry the same 16-bit tag (also from the keyed hash; SHA-256 is only
/// computed, and an entry only read, when one does) and the place of the matching entry. These
/// are values of a keyed pseudo-random function whose key is as secret as the least known token
/// of the file: without it they cannot be related to any token, and a guess cannot be steered
/// toward a stored token's slot. What cannot leak: the stored tokens, or how many leading bytes
/// of a guess are right — no comparison ever looks at token bytes.
///
/// ```
/// use kube_tls_bootstrap::identity::TokenFile;
/// let file = TokenFile::parse(b"t0k3n,alice,42,\"a,b\"\n", "/etc/kubernetes/token.csv")?;
/// let user = file.authenticate("t0k3n").unwrap();
/// assert_eq!(user.name, "alice");
/// assert_eq!(user.uid, "42");
/// assert_eq!(user.groups, ["a", "b", "system:authenticated"]);
/// assert!(file.authenticate("nope").is_none());
/// # Ok::<(), kube_tls_bootstrap::identity::TokenFileError>(())
/// ```
#[derive(Clone)]
pub struct TokenFile {
    path: String,
    /// Name, UID and groups column of every kept record, back to back. UTF-8 (`parse` refuses
    /// other files), kept as bytes so that the input is validated once, not twice: each field
    /// is checked when read, which for these short fields costs next to nothing.
    text: Box<[u8]>,
    /// The entries, each at the slot of the table the index gave its token (empty slots hold
    /// zeros): a hit reads one cache line.
    table: Vec<StoredEntry>,
    /// The slot of each entry, in order of first appearance.
    order: Vec<usize>,
    /// The entries' record numbers, in that order, apart: a lookup does not need them.
    records: Vec<Records>,
    /// The lengths of name, UID and groups of the entries where one does not fit in `u32`,
    /// by the entry's `text_start`.
    wide: BTreeMap<usize, [usize; 3]>,
    /// Which slots are taken, by keyed hash of the token.
    index: DigestIndex,
    warnings: Vec<TokenFileWarning>,
}

impl TokenFile {
    /// Loads a token file as kube-apiserver does at start-up; `path` is the file name as given
    /// to `--token-auth-file`, used only in messages.
    ///
    /// Go's CSV reader (every option at its default, any number of fields per record), then:
    /// a record with fewer than 3 fields aborts the load; a record with an empty token is
    /// skipped with a warning; a later record with the same token replaces the earlier one with a
    /// warning; the 4th field, when present, is split on `,` into groups (an empty 4th field is
    /// one empty group); further fields are ignored. The first error ends the load.
    ///
    /// The one divergence from Go: a file that Go would load but that is not UTF-8 is refused
    /// with [`TokenFileError::Encoding`]. Where Go itself would fail, its error is returned.
    pub fn parse(input: &[u8], path: &str) -> Result<Self, TokenFileError> {
        let encoding = std::str::from_utf8(input).err().map(|e| {
            let (line, column) = line_and_column(input, e.valid_up_to());
            TokenFileError::Encoding {
                path: path.to_owned(),
                line,
                column,
            }
        });
        let file = Self::load(input, path)?;
        match encoding {
            Some(error) => Err(error),
            None => Ok(file),
        }
    }

    /// The path the file was loaded as.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The number of distinct tokens.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the file defines no token.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The entries in the order in which each distinct token first appears, each with the
    /// values of the last record carrying that token.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = TokenFileEntry<'_>> {
        self.order
            .iter()
            .enumerate()
            .map(move |(position, &slot)| TokenFileEntry {
                file: self,
                stored: self.table.get(slot).unwrap_or(&EMPTY),
                position,
            })
    }

    /// What kube-apiserver would log while loading: empty and duplicate tokens, in file order.
    pub fn warnings(&self) -> &[TokenFileWarning] {
        &self.warnings
    }

    /// The entry for `token`, found in constant time with respect to the token's bytes (see the
    /// type's documentation for what may leak).
    pub fn lookup(&self, token: &str) -> Option<TokenFileEntry<'_>> {
        let slot = self.index.find(token.as_bytes(), |slot| {
            self.table.get(slot).map(|e| e.digest)
        })?;
        let stored = self.table.get(slot)?;
        Some(TokenFileEntry {
            file: self,
            stored,
            position: usize::try_from(stored.position).unwrap_or(usize::MAX),
        })
    }

    /// The entry whose token has this digest.
    ///
    /// The index is keyed by the token itself (see the type's documentation), so this compares
    /// `digest` with every entry's, in constant time and without stopping at a match: it takes
    /// time linear in the number of entries. Use [`lookup`](Self::lookup) to authenticate.
    pub fn lookup_digest(&self, digest: &TokenDigest) -> Option<TokenFileEntry<'_>> {
        let mut found = None;
        for entry in self.entries() {
            if entry.stored.digest == *digest && found.is_none() {
                found = Some(entry);
            }
        }
        found
    }

    /// The user kube-apiserver passes on for `token`: the entry's name, UID and groups with
    /// `system:authenticated` appended ([`UserInfo::with_authenticated_group`]). `None` when
    /// the file does not hold the token.
    pub fn authenticate(&self, token: &str) -> Option<UserInfo> {
        self.lookup(token)
            .map(|entry| entry.user_with_room(1).with_authenticated_group())
    }

    fn load(input: &[u8], path: &str) -> Result<Self, TokenFileError> {
        // Reserve the entries for the most rows the file is likely to have up front, so loading
        // does not keep regrowing them: a row of a real file — a token, a name, a UID — is
        // rarely under 32 bytes. Reserved memory that is never written costs nothing.
        let rows = input.len() / 32;
        let mut file = Self {
            path: path.to_owned(),
            text: Box::default(),
            table: Vec::new(),
            order: Vec::new(),
            records: Vec::with_capacity(rows),
            wide: BTreeMap::new(),
            index: DigestIndex::with_capacity(0, &[0; 32]),
            warnings: Vec::new(),
        };
        // Where each entry's token is, only while loading (the file keeps no token): a range of
        // the input, or past `input.len()`, of `rebuilt_tokens` (tokens the reader had to
        // rebuild, i.e. quoted ones with `""` or a line break).
        let mut tokens: Vec<(usize, usize)> = Vec::with_capacity(rows);
        let mut rebuilt_tokens = Vec::new();
        // The index key's material: every token's digest, folded two ways (a later duplicate
        // cancels out of the XOR but not out of the sum).
        let mut xor = [0u64; 4];
        let mut sum = [0u64; 4];
        // The entries in order of appearance, until the table is built.
        let mut entries: Vec<StoredEntry> = Vec::with_capacity(rows);
        let mut text = Vec::with_capacity(input.len());
        let mut reader = Reader::new(input);
        let mut record: u64 = 0;
        while let Some(line) = reader.read_record()? {
            let found = reader.field_count();
            if found < 3 {
                return Err(TokenFileError::Columns {
                    path: path.to_owned(),
                    found,
                    line,
                });
            }
            record += 1;
            let token_span = reader.span(0).unwrap_or(Field::Input(0, 0));
            let token = reader.bytes(token_span);
            if token.is_empty() {
                file.warn(TokenFileWarningKind::EmptyToken, record, line);
                continue;
            }
            tokens.push(match token_span {
                Field::Input(start, end) => (start, end),
                Field::Rebuilt(..) => {
                    let start = input.len() + rebuilt_tokens.len();
                    rebuilt_tokens.extend_from_slice(token);
                    (start, input.len() + rebuilt_tokens.len())
                }
            });
            let has_groups = found >= 4;
            // Name, UID and groups (when present) back to back in the text.
            let text_start = text.len();
            let mut lens = [0usize; 3];
            for (i, len) in lens
                .iter_mut()
                .enumerate()
                .take(if has_groups { 3 } else { 2 })
            {
                let field = reader.bytes(reader.span(i + 1).unwrap_or(Field::Input(0, 0)));
                text.extend_from_slice(field);
                *len = field.len();
            }
            let short_lens = lens.map(|len| u32::try_from(len).unwrap_or(u32::MAX));
            if short_lens.contains(&u32::MAX) {
                file.wide.insert(text_start, lens);
            }
            let digest = TokenDigest::of(token);
            let (words, _) = digest.0.as_chunks::<8>();
            for ((x, s), w) in xor.iter_mut().zip(&mut sum).zip(words) {
                let w = u64::from_le_bytes(*w);
                *x ^= w;
                *s = s.wrapping_add(w);
            }
            entries.push(StoredEntry {
                digest,
                line_and_groups: line | u64::from(has_groups) << 63,
                text_start: as_u64(text_start),
                lens: short_lens,
                position: 0,
            });
            file.records.push(Records {
                first: record,
                last: record,
            });
        }
        let mut material = [0u8; 64];
        for (chunk, word) in material.chunks_exact_mut(8).zip(xor.iter().chain(&sum)) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        let key_material = sha256(&material);
        let token_at = |(start, end): (usize, usize)| match start.checked_sub(input.len()) {
            None => input.get(start..end).unwrap_or_default(),
            Some(start) => rebuilt_tokens
                .get(start..end - input.len())
                .unwrap_or_default(),
        };
        file.build(entries, &key_material, |i| {
            tokens.get(i).map_or(&[][..], |&span| token_at(span))
        });
        file.text = text.into_boxed_slice();
        Ok(file)
    }

    /// Places the entries (in order of appearance; `token(i)` is entry `i`'s token) in the
    /// table, once the index's key is known (it depends on every digest): all keyed hashes
    /// first, in one tight loop over the tokens; then the slots, region by region
    /// ([`DigestIndex::insert_all`]), token equality decided by digests; then each entry
    /// copied to its slot. A later record with a token seen before replaces the earlier
    /// one's values (keeping its place and first record number) and is dropped, with
    /// kube-apiserver's duplicate warning.
    fn build<'t>(
        &mut self,
        mut entries: Vec<StoredEntry>,
        key_material: &[u8; 32],
        token: impl Fn(usize) -> &'t [u8],
    ) {
        self.index = DigestIndex::with_capacity(entries.len(), key_material);
        let hashes: Vec<u64> = (0..entries.len())
            .map(|i| self.index.hash(token(i)))
            .collect();
        drop(token);
        let filled = {
            let entries = &entries;
            let digest = |i: usize| entries.get(i).map(|e| e.digest);
            self.index
                .insert_all(&hashes, |i, j| digest(i) == digest(j))
        };
        drop(hashes);
        // Each entry's place in order of first appearance: its index, less the number of
        // dropped entries before it.
        let mut positions: Option<Vec<u32>> = None;
        if !filled.duplicates.is_empty() {
            let mut dropped = vec![false; entries.len()];
            for &(kept, later) in &filled.duplicates {
                let (Some(replacement), Some(last)) = (
                    entries.get(later).cloned(),
                    self.records.get(later).map(|r| r.last),
                ) else {
                    continue;
                };
                self.warn(
                    TokenFileWarningKind::DuplicateToken,
                    last,
                    replacement.line(),
                );
                if let (Some(entry), Some(records)) =
                    (entries.get_mut(kept), self.records.get_mut(kept))
                {
                    *entry = replacement;
                    records.last = last;
                }
                if let Some(flag) = dropped.get_mut(later) {
                    *flag = true;
                }
            }
            self.warnings.sort_by_key(|w| w.record);
            let mut flags = dropped.iter();
            self.records
                .retain(|_| !flags.next().copied().unwrap_or(false));
            let mut next = 0u32;
            positions = Some(
                dropped
                    .iter()
                    .map(|&dropped| {
                        let position = next;
                        next = next.saturating_add(u32::from(!dropped));
                        position
                    })
                    .collect(),
            );
        }
        // Entries the index could not give a slot (past 2³² − 2 of them) are left out too.
        let placed = filled.owners.iter().filter(|&&owner| owner != 0).count();
        self.records.truncate(placed);
        // Each entry's slot, then the entries written to their slots in order of appearance:
        // reading them in order and scattering the writes keeps the cache misses off the
        // critical path (a write does not wait), where gathering them slot by slot would not.
        let mut slot_of = vec![usize::MAX; entries.len()];
        for (slot, &owner) in filled.owners.iter().enumerate() {
            let i = usize::try_from(owner).unwrap_or(0).wrapping_sub(1);
            if let Some(cell) = slot_of.get_mut(i) {
                *cell = slot;
            }
        }
        drop(filled);
        self.order = vec![0; placed];
        self.table = vec![EMPTY; self.index.slots()];
        for (i, (entry, &slot)) in entries.iter_mut().zip(&slot_of).enumerate() {
            let position = match &positions {
                Some(positions) => positions.get(i).copied().unwrap_or(u32::MAX),
                None => u32::try_from(i).unwrap_or(u32::MAX),
            };
            let (Some(cell), Some(order)) = (
                self.table.get_mut(slot),
                self.order
                    .get_mut(usize::try_from(position).unwrap_or(usize::MAX)),
            ) else {
                continue;
            };
            entry.position = position;
            *cell = entry.clone();
            *order = slot;
        }
    }

    fn warn(&mut self, kind: TokenFileWarningKind, record: u64, line: u64) {
        self.warnings.push(TokenFileWarning {
            kind,
            record,
            line,
            path: self.path.clone(),
        });
    }

    /// Name, UID and groups of an entry, from the text arena. Every range was recorded by
    /// `load` at field boundaries, and fields are cut at ASCII bytes (`,`, `"`, line ends) of
    /// input that `parse` found to be UTF-8, so each is in bounds and UTF-8; the empty fallback
    /// only keeps the library free of panics.
    fn fields(&self, stored: &StoredEntry) -> [&str; 3] {
        let start = usize::try_from(stored.text_start).unwrap_or(usize::MAX);
        let lens = if stored.lens.contains(&u32::MAX) {
            self.wide.get(&start).copied().unwrap_or_default()
        } else {
            stored
                .lens
                .map(|len| usize::try_from(len).unwrap_or(usize::MAX))
        };
        let mut at = start;
        lens.map(|len| {
            let end = at.saturating_add(len);
            let field = self
                .text
                .get(at..end)
                .and_then(|bytes| std::str::from_utf8(bytes).ok())
                .unwrap_or_default();
            at = end;
            field
        })
    }
}

impl std::fmt::Debug for TokenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenFile")
            .field("path", &self.path)
            .field("entries", &self.entries().collect::<Vec<_>>())
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// One token of a [`TokenFile`]: the identity it stands for and where it came from. The token
/// itself is not kept; [`fingerprint`](Self::fingerprint) tells entries apart.
#[derive(Clone, Copy)]
pub struct TokenFileEntry<'a> {
    file: &'a TokenFile,
    stored: &'a StoredEntry,
    /// Its place in `file.entries` (and `file.records`).
    position: usize,
}

impl<'a> TokenFileEntry<'a> {
    /// The SHA-256 digest of the token.
    pub fn digest(&self) -> &'a TokenDigest {
        &self.stored.digest
    }

    /// `sha256:<first 16 hex digits of SHA-256(token)>`.
    pub fn fingerprint(&self) -> String {
        self.stored.digest.fingerprint()
    }

    /// The user name (2nd column).
    pub fn name(&self) -> &'a str {
        let [name, _, _] = self.file.fields(self.stored);
        name
    }

    /// The UID (3rd column).
    pub fn uid(&self) -> &'a str {
        let [_, uid, _] = self.file.fields(self.stored);
        uid
    }

    /// The 4th column, when the record had one.
    pub fn groups_column(&self) -> Option<&'a str> {
        let [_, _, groups] = self.file.fields(self.stored);
        self.stored.has_groups().then_some(groups)
    }

    /// The groups: none without a 4th column, else the 4th column split on `,` as Go's
    /// `strings.Split` does (no trimming, empty pieces kept, an empty column is one empty group).
    pub fn groups(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.groups_column().into_iter().flat_map(|g| g.split(','))
    }

    /// The user as the token file defines it (before `system:authenticated` is added).
    pub fn user(&self) -> UserInfo {
        self.user_with_room(0)
    }

    /// The entry's place in [`TokenFile::entries`]: a name for it that is not its digest.
    pub(super) fn position(&self) -> usize {
        self.position
    }

    /// The record number (kube-apiserver's count of records with at least 3 fields) of the
    /// token's first appearance.
    pub fn first_record(&self) -> u64 {
        self.records().first
    }

    /// The record number of the record that was kept (the token's last appearance).
    pub fn last_record(&self) -> u64 {
        self.records().last
    }

    /// [`user`](Self::user), with room for `extra` more groups (so that appending
    /// `system:authenticated` does not reallocate).
    fn user_with_room(&self, extra: usize) -> UserInfo {
        let [name, uid, groups] = self.file.fields(self.stored);
        let column = self.stored.has_groups().then_some(groups);
        let count = column.map_or(0, |g| memchr::memchr_iter(b',', g.as_bytes()).count() + 1);
        let mut list = Vec::with_capacity(count + extra);
        list.extend(
            column
                .into_iter()
                .flat_map(|g| g.split(','))
                .map(str::to_owned),
        );
        UserInfo {
            name: name.to_owned(),
            uid: uid.to_owned(),
            groups: list,
            extra: BTreeMap::new(),
        }
    }

    fn records(&self) -> Records {
        self.file
            .records
            .get(self.position)
            .copied()
            .unwrap_or(Records { first: 0, last: 0 })
    }

    /// The line on which the kept record starts.
    pub fn line(&self) -> u64 {
        self.stored.line()
    }
}

impl std::fmt::Debug for TokenFileEntry<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenFileEntry")
            .field("token", &self.stored.digest)
            .field("name", &self.name())
            .field("uid", &self.uid())
            .field("groups", &self.groups().collect::<Vec<_>>())
            .field("first_record", &self.first_record())
            .field("last_record", &self.last_record())
            .field("line", &self.stored.line())
            .finish()
    }
}

/// Which of kube-apiserver's two token-file warnings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenFileWarningKind {
    /// A record whose token is empty; it is skipped.
    EmptyToken,
    /// A token seen before; this record replaces the earlier one.
    DuplicateToken,
}

impl TokenFileWarningKind {
    /// `empty-token` or `duplicate-token`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EmptyToken => "empty-token",
            Self::DuplicateToken => "duplicate-token",
        }
    }
}

/// A warning kube-apiserver logs while loading a token file. `Display` is the log text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TokenFileWarning {
    /// Which warning.
    pub kind: TokenFileWarningKind,
    /// kube-apiserver's record number: records with at least 3 fields, counted from 1 (blank
    /// lines and the lines inside multi-line fields do not count).
    pub record: u64,
    /// The line on which the record starts.
    pub line: u64,
    /// The file's path as given.
    pub path: String,
}

impl std::fmt::Display for TokenFileWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            TokenFileWarningKind::EmptyToken => "empty",
            TokenFileWarningKind::DuplicateToken => "duplicate",
        };
        write!(
            f,
            "{what} token has been found in token file '{}', record number '{}'",
            self.path, self.record
        )
    }
}

/// Why a token file does not load. The `csv` and `columns` texts are kube-apiserver's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenFileError {
    /// Go's CSV reader failed; the text is Go's `ParseError`.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// A record has fewer than 3 fields.
    #[error(
        "token file '{path}' must have at least 3 columns (token, user name, user uid), found {found}"
    )]
    Columns {
        /// The file's path as given.
        path: String,
        /// The number of fields of the record.
        found: usize,
        /// The line on which the record starts (not part of Kubernetes' text).
        line: u64,
    },
    /// The file is not UTF-8 (Go would have accepted it; this crate's strings are UTF-8).
    #[error("token file '{path}' is not valid UTF-8: invalid byte on line {line}, column {column}")]
    Encoding {
        /// The file's path as given.
        path: String,
        /// The line of the first invalid byte.
        line: u64,
        /// The 1-based byte column of the first invalid byte.
        column: u64,
    },
}

impl TokenFileError {
    /// `csv`, `columns` or `encoding`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Csv(_) => "csv",
            Self::Columns { .. } => "columns",
            Self::Encoding { .. } => "encoding",
        }
    }

    /// The line of the error (for `columns`, the line the short record starts on).
    pub const fn line(&self) -> u64 {
        match self {
            Self::Csv(e) => e.line,
            Self::Columns { line, .. } | Self::Encoding { line, .. } => *line,
        }
    }

    /// The byte column, where the error has one.
    pub const fn column(&self) -> Option<u64> {
        match self {
            Self::Csv(e) => Some(e.column),
            Self::Columns { .. } => None,
            Self::Encoding { column, .. } => Some(*column),
        }
    }
}

/// A kept record in one cache line (everything a lookup touches): the digest, the line, and
/// where name, UID and groups stand, back to back, in the text arena.
#[derive(Clone)]
#[repr(C, align(64))]
struct StoredEntry {
    digest: TokenDigest,
    /// The line, and in the top bit whether the record has a 4th column (a line number is
    /// below 2⁶³: the input would not fit in memory otherwise).
    line_and_groups: u64,
    text_start: u64,
    /// Lengths of name, UID and groups; where one does not fit (`u32::MAX`),
    /// `TokenFile::wide` holds them.
    lens: [u32; 3],
    /// The entry's place in order of first appearance (in `TokenFile::order` and `records`).
    position: u32,
}

impl StoredEntry {
    fn line(&self) -> u64 {
        self.line_and_groups & !(1 << 63)
    }

    fn has_groups(&self) -> bool {
        self.line_and_groups >> 63 == 1
    }
}

/// What an empty slot of the table holds.
const EMPTY: StoredEntry = StoredEntry {
    digest: TokenDigest([0; 32]),
    line_and_groups: 0,
    text_start: 0,
    lens: [0; 3],
    position: 0,
};

/// The record numbers of a kept record (first and last appearance of its token).
#[derive(Clone, Copy)]
struct Records {
    first: u64,
    last: u64,
}

/// The 1-based line and byte column of `offset` in `input`.
fn line_and_column(input: &[u8], offset: usize) -> (u64, u64) {
    let before = input.get(..offset).unwrap_or(input);
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (as_u64(line), as_u64(before.len() - line_start + 1))
}

/// SHA-256 (FIPS 180-4) over the `sha2` compression function directly: tokens are short, and
/// the streaming API's buffering costs as much as the one block most tokens need.
fn sha256(message: &[u8]) -> [u8; 32] {
    let mut state: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    let (blocks, tail) = message.as_chunks::<64>();
    sha2::block_api::compress256(&mut state, blocks);
    // The tail, the 0x80 marker and the 64-bit bit length, in one block or two.
    let mut last = [[0u8; 64]; 2];
    let count = if tail.len() < 56 { 1 } else { 2 };
    {
        let flat = last.as_flattened_mut();
        flat[..tail.len()].copy_from_slice(tail);
        flat[tail.len()] = 0x80;
        let bits = (as_u64(message.len())).wrapping_mul(8).to_be_bytes();
        flat[count * 64 - 8..count * 64].copy_from_slice(&bits);
    }
    sha2::block_api::compress256(&mut state, &last[..count]);
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
