//! PEM as Go's `encoding/pem` reads it, and PEM as Kubernetes writes it.
//!
//! Kubernetes reads every PEM field with Go's `pem.Decode`, whose leniencies are observable:
//! text before the first `-----BEGIN` line is skipped, CRLF line endings are accepted, a block
//! whose END line or base64 body is malformed is skipped as if it were text, `Key: value` lines
//! right after the BEGIN line are headers, and everything after the first block is left to the
//! caller. [`decode`] reproduces that byte for byte; [`Blocks`] is the `pem.Decode` loop that
//! `status.certificate` validation and the key and certificate loaders run.
//!
//! ```
//! use kube_tls_bootstrap::pki::pem;
//!
//! let text = b"issued by the test CA\r\n-----BEGIN CERTIFICATE REQUEST-----\r\nAQID\r\n\
//!              -----END CERTIFICATE REQUEST-----\r\ntrailing notes";
//! let (block, rest) = pem::decode(text).unwrap();
//! assert_eq!(block.label, "CERTIFICATE REQUEST");
//! assert_eq!(block.contents, [1, 2, 3]);
//! assert_eq!(rest, b"trailing notes");
//! assert_eq!(pem::encode("CERTIFICATE", &[1, 2, 3]), "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n");
//! ```

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// One PEM block: its type label, its headers in the order they appeared, and its decoded body.
#[derive(Clone, PartialEq, Eq)]
pub struct Block {
    /// The text between `-----BEGIN ` and `-----`, e.g. `CERTIFICATE REQUEST`.
    pub label: String,
    /// `Key: value` header lines (RFC 1421), trimmed as Go trims them. Go keeps them in a map,
    /// so a repeated key keeps its last value; this list keeps every line in order.
    pub headers: Vec<(String, String)>,
    /// The base64-decoded body.
    pub contents: Vec<u8>,
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Key blocks carry secrets: show only their size.
        let secret = self.label.contains("PRIVATE KEY");
        let mut d = f.debug_struct("Block");
        d.field("label", &self.label)
            .field("headers", &self.headers);
        if secret {
            d.field("contents", &"[elided]");
        } else {
            d.field("contents_len", &self.contents.len());
        }
        d.finish()
    }
}

/// Go's `pem.Decode`: the first well-formed block in `data` and the bytes after it.
///
/// Returns `None` when `data` holds no well-formed block (Go returns a nil block and the whole
/// input as the rest).
pub fn decode(data: &[u8]) -> Option<(Block, &[u8])> {
    let mut rest = data;
    loop {
        if let Some(after) = rest.strip_prefix(&PEM_START[1..]) {
            rest = after;
        } else if let Some(i) = find(rest, PEM_START) {
            rest = &rest[i + PEM_START.len()..];
        } else {
            return None;
        }

        let (type_line, after_type) = get_line(rest);
        rest = after_type;
        let Some(label) = type_line.strip_suffix(PEM_END_OF_LINE) else {
            continue;
        };

        let mut headers: Vec<(String, String)> = Vec::new();
        let mut header_keys = 0usize;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next) = get_line(rest);
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                break;
            };
            // Go's bytes.TrimSpace trims Unicode white space, as `str::trim` does.
            let key = String::from_utf8_lossy(&line[..colon]).trim().to_owned();
            let value = String::from_utf8_lossy(&line[colon + 1..])
                .trim()
                .to_owned();
            // Go stores headers in a map: a repeated key does not add an entry.
            if !headers.iter().any(|(k, _)| *k == key) {
                header_keys += 1;
            }
            headers.push((key, value));
            rest = next;
        }

        // Without headers the END line may follow the BEGIN line directly.
        let (end_index, end_trailer_index) = if header_keys == 0 && rest.starts_with(&PEM_END[1..])
        {
            (0, PEM_END.len() - 1)
        } else {
            match find(rest, PEM_END) {
                Some(i) => (i, i + PEM_END.len()),
                None => continue,
            }
        };

        let end_trailer = &rest[end_trailer_index..];
        let end_trailer_len = label.len() + PEM_END_OF_LINE.len();
        if end_trailer.len() < end_trailer_len {
            continue;
        }
        let (end_trailer, rest_of_end_line) = end_trailer.split_at(end_trailer_len);
        if !end_trailer.starts_with(label) || !end_trailer.ends_with(PEM_END_OF_LINE) {
            continue;
        }
        if !get_line(rest_of_end_line).0.is_empty() {
            continue;
        }

        let Some(contents) = decode_base64(&rest[..end_index]) else {
            continue;
        };
        let (_, after) = get_line(&rest[end_index + PEM_END.len() - 1..]);
        let block = Block {
            label: String::from_utf8_lossy(label).into_owned(),
            headers,
            contents,
        };
        return Some((block, after));
    }
}

/// The `pem.Decode` loop: every well-formed block of `data` in order, skipping text between
/// and around them.
///
/// ```
/// use kube_tls_bootstrap::pki::pem;
/// let two = format!("{}junk\n{}", pem::encode("A", b"1"), pem::encode("B", b"2"));
/// let labels: Vec<String> = pem::Blocks::new(two.as_bytes()).map(|b| b.label).collect();
/// assert_eq!(labels, ["A", "B"]);
/// ```
#[derive(Clone, Debug)]
pub struct Blocks<'a> {
    rest: &'a [u8],
}

impl<'a> Blocks<'a> {
    /// Iterates over the blocks of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    /// The input not consumed yet (after the last block returned).
    pub fn remainder(&self) -> &'a [u8] {
        self.rest
    }
}

impl Iterator for Blocks<'_> {
    type Item = Block;

    fn next(&mut self) -> Option<Block> {
        let (block, rest) = decode(self.rest)?;
        self.rest = rest;
        Some(block)
    }
}

/// A PEM block as Go's `pem.EncodeToMemory` writes it: LF line endings, 64-column base64,
/// no headers.
pub fn encode(label: &str, contents: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(contents);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 34);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

const PEM_START: &[u8] = b"\n-----BEGIN ";
const PEM_END: &[u8] = b"\n-----END ";
const PEM_END_OF_LINE: &[u8] = b"-----";

/// Go's `base64.StdEncoding` after `removeSpacesAndTabs`: CR and LF are ignored anywhere,
/// padding is required, non-zero trailing bits are tolerated.
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

fn decode_base64(body: &[u8]) -> Option<Vec<u8>> {
    // Line by line: a line without spaces, tabs or CRs (the usual case) is copied whole.
    let mut cleaned = Vec::with_capacity(body.len());
    for line in body.split(|&b| b == b'\n') {
        if memchr::memchr3(b' ', b'\t', b'\r', line).is_none() {
            cleaned.extend_from_slice(line);
        } else {
            cleaned.extend(
                line.iter()
                    .copied()
                    .filter(|b| !matches!(b, b' ' | b'\t' | b'\r')),
            );
        }
    }
    GO_STD.decode(cleaned).ok()
}

/// Go's `getLine`: the line up to LF (one CR before it dropped), right-trimmed of spaces and
/// tabs, and the bytes after the LF.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (mut line_end, next) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (i, i + 1),
        None => (data.len(), data.len()),
    };
    if next != line_end && line_end > 0 && data[line_end - 1] == b'\r' {
        line_end -= 1;
    }
    let mut line = &data[..line_end];
    while let Some((last, init)) = line.split_last() {
        if *last == b' ' || *last == b'\t' {
            line = init;
        } else {
            break;
        }
    }
    (line, &data[next..])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(label: &str, body: &str) -> String {
        format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
    }

    #[test]
    fn first_block_and_rest() {
        let data = format!("{}tail", block("X", "AQID"));
        let (b, rest) = decode(data.as_bytes()).unwrap();
        assert_eq!(b.label, "X");
        assert_eq!(b.contents, vec![1, 2, 3]);
        assert!(b.headers.is_empty());
        assert_eq!(rest, b"tail");
    }

    #[test]
    fn leading_text_must_end_with_newline_before_begin() {
        assert!(decode(format!("junk {}", block("X", "AQID")).as_bytes()).is_none());
        assert!(decode(format!("junk\n{}", block("X", "AQID")).as_bytes()).is_some());
    }

    #[test]
    fn crlf_and_headers() {
        let data = "-----BEGIN X-----\r\nComment: hi there \r\n\r\nAQID\r\n-----END X-----\r\n";
        let (b, rest) = decode(data.as_bytes()).unwrap();
        assert_eq!(
            b.headers,
            vec![("Comment".to_owned(), "hi there".to_owned())]
        );
        assert_eq!(b.contents, vec![1, 2, 3]);
        assert!(rest.is_empty());
    }

    #[test]
    fn empty_body_end_right_after_begin() {
        let (b, _) = decode(b"-----BEGIN X-----\n-----END X-----\n").unwrap();
        assert!(b.contents.is_empty());
    }

    #[test]
    fn malformed_blocks_are_skipped() {
        // Mismatched END type, then bad base64, then a good block.
        let data = format!(
            "-----BEGIN X-----\nAQID\n-----END Y-----\n{}{}",
            block("X", "AQ!D"),
            block("Z", "AQID")
        );
        let (b, _) = decode(data.as_bytes()).unwrap();
        assert_eq!(b.label, "Z");
        assert!(
            decode(block("X", "AQI").as_bytes()).is_none(),
            "padding required"
        );
        assert!(decode(b"-----BEGIN X-----\nAQID\n-----END X----- x\n").is_none());
        assert!(decode(b"").is_none());
    }

    #[test]
    fn blocks_iterates_all() {
        let data = format!("a\n{}b\n{}c", block("A", "AQ=="), block("B", "Ag=="));
        let mut it = Blocks::new(data.as_bytes());
        assert_eq!(it.next().unwrap().contents, vec![1]);
        assert_eq!(it.next().unwrap().contents, vec![2]);
        assert!(it.next().is_none());
        assert_eq!(it.remainder(), b"c");
    }

    #[test]
    fn encode_wraps_at_64() {
        let pem = encode("K", &[0u8; 60]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[1].len(), 64);
        assert_eq!(decode(pem.as_bytes()).unwrap().0.contents, vec![0u8; 60]);
        assert!(!pem.contains('\r'));
    }

    #[test]
    fn debug_hides_private_keys() {
        let (b, _) = decode(block("EC PRIVATE KEY", "AQID").as_bytes()).unwrap();
        assert!(format!("{b:?}").contains("[elided]"));
    }
}
