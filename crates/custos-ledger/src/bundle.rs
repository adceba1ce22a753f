//! Entry bundles: each entry as a big-endian u16 length, then its bytes
//! (C2SP tlog-tiles). Pure: no I/O.

/// Appends one framed entry to a bundle. The caller has checked
/// `entry.len() <= MAX_ENTRY_LEN`.
pub fn push_entry(bundle: &mut Vec<u8>, entry: &[u8]) {
    let len = u16::try_from(entry.len()).unwrap_or(u16::MAX);
    bundle.extend_from_slice(&len.to_be_bytes());
    bundle.extend_from_slice(entry);
}

/// Why a bundle does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleDefect {
    /// Entry `k` (within the bundle) claims more bytes than remain.
    Truncated { k: u64 },
    /// `extra` bytes follow the last expected entry.
    Trailing { extra: usize },
}

/// Iterates the entries of a bundle that should hold `expected` of them.
/// Yields each entry, then at most one defect, then stops.
pub struct BundleEntries<'a> {
    data: &'a [u8],
    pos: usize,
    k: u64,
    expected: u64,
    done: bool,
}

impl<'a> BundleEntries<'a> {
    pub fn new(data: &'a [u8], expected: u64) -> Self {
        BundleEntries {
            data,
            pos: 0,
            k: 0,
            expected,
            done: false,
        }
    }
}

impl<'a> Iterator for BundleEntries<'a> {
    type Item = Result<&'a [u8], BundleDefect>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.k == self.expected {
            self.done = true;
            let extra = self.data.len() - self.pos;
            return (extra > 0).then_some(Err(BundleDefect::Trailing { extra }));
        }
        let rest = &self.data[self.pos..];
        let entry = match rest {
            [hi, lo, body @ ..] => {
                let len = usize::from(u16::from_be_bytes([*hi, *lo]));
                body.get(..len)
            }
            _ => None,
        };
        match entry {
            Some(entry) => {
                self.pos += 2 + entry.len();
                self.k += 1;
                Some(Ok(entry))
            }
            None => {
                self.done = true;
                Some(Err(BundleDefect::Truncated { k: self.k }))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(data: &[u8], expected: u64) -> (Vec<Vec<u8>>, Option<BundleDefect>) {
        let mut out = Vec::new();
        for item in BundleEntries::new(data, expected) {
            match item {
                Ok(e) => out.push(e.to_vec()),
                Err(d) => return (out, Some(d)),
            }
        }
        (out, None)
    }

    #[test]
    fn round_trip_and_defects() {
        let mut b = Vec::new();
        push_entry(&mut b, b"");
        push_entry(&mut b, b"abc");
        assert_eq!(b, [0, 0, 0, 3, b'a', b'b', b'c']);
        assert_eq!(parse(&b, 2), (vec![vec![], b"abc".to_vec()], None));
        assert_eq!(
            parse(&b, 3).1,
            Some(BundleDefect::Truncated { k: 2 }),
            "fewer entries than expected"
        );
        assert_eq!(parse(&b, 1).1, Some(BundleDefect::Trailing { extra: 5 }));
        assert_eq!(parse(&b[..6], 2).1, Some(BundleDefect::Truncated { k: 1 }));
        assert_eq!(parse(&b[..1], 1).1, Some(BundleDefect::Truncated { k: 0 }));
    }
}
