//! The examples' command-line reader (the `ktb` binary uses clap): `--flag value`,
//! `--flag=value`, short flags, any order, `--` to end the flags, `-` as a file name.
#![allow(dead_code)] // each example uses part of it

use std::collections::BTreeMap;

use super::common::Failure;

/// One flag: its names (the first is the canonical one) and whether it takes a value.
pub(crate) type Spec = (&'static [&'static str], bool);

/// A command line read against a [`Spec`] list.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    values: BTreeMap<&'static str, Vec<String>>,
    /// The arguments that are not flags, in order.
    pub(crate) positional: Vec<String>,
}

impl Parsed {
    /// Whether the boolean flag `name` (canonical name) was given.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The last value of `name`.
    pub(crate) fn value(&self, name: &str) -> Option<String> {
        self.values.get(name).and_then(|v| v.last().cloned())
    }

    /// Every value of `name`, in order.
    pub(crate) fn values(&self, name: &str) -> Vec<String> {
        self.values.get(name).cloned().unwrap_or_default()
    }
}

/// Reads `args` against `spec`; `-h`/`--help` is recorded as flag `--help`.
pub(crate) fn parse(
    args: impl IntoIterator<Item = String>,
    spec: &[Spec],
) -> Result<Parsed, Failure> {
    let mut parsed = Parsed::default();
    let mut args = args.into_iter();
    let mut flags_done = false;
    while let Some(arg) = args.next() {
        if flags_done || arg == "-" || !arg.starts_with('-') {
            parsed.positional.push(arg);
            continue;
        }
        if arg == "--" {
            flags_done = true;
            continue;
        }
        if arg == "-h" || arg == "--help" {
            parsed.values.entry("--help").or_default();
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (arg.as_str(), None),
        };
        let Some((names, takes_value)) = spec.iter().find(|(names, _)| names.contains(&name))
        else {
            return Err(Failure::Usage(format!("unknown flag {name}")));
        };
        let canonical = names.first().copied().unwrap_or_default();
        let entry = parsed.values.entry(canonical).or_default();
        if *takes_value {
            let value = inline
                .or_else(|| args.next())
                .ok_or_else(|| Failure::Usage(format!("{name} needs a value")))?;
            entry.push(value);
        } else if inline.is_some() {
            return Err(Failure::Usage(format!("{name} takes no value")));
        }
    }
    Ok(parsed)
}
