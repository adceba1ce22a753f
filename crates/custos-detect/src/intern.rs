//! String ids interned to dense `u32` indices.

use rustc_hash::FxHashMap;
use serde::de::Deserializer;
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// Interns strings to `0..len`. With `keep_names` the index-to-name
/// direction is kept too (sellers, employees); customers are only ever
/// looked up by name, so their names are stored once, in the map.
#[derive(Clone, Debug, Default)]
pub(crate) struct Interner {
    map: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    keep_names: bool,
}

impl Interner {
    pub fn new(keep_names: bool) -> Self {
        Interner {
            keep_names,
            ..Default::default()
        }
    }

    pub fn get(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }

    /// The index of `s`, and whether it is new.
    pub fn intern(&mut self, s: &str) -> (u32, bool) {
        if let Some(&i) = self.map.get(s) {
            return (i, false);
        }
        let i = self.map.len() as u32;
        let b: Box<str> = s.into();
        if self.keep_names {
            self.names.push(b.clone());
        }
        self.map.insert(b, i);
        (i, true)
    }

    /// The name of an index (empty when names are not kept).
    pub fn name(&self, i: u32) -> &str {
        self.names.get(i as usize).map(|b| &**b).unwrap_or("")
    }

    fn ordered(&self) -> Vec<&str> {
        if self.keep_names {
            return self.names.iter().map(|b| &**b).collect();
        }
        let mut v = vec![""; self.map.len()];
        for (k, &i) in &self.map {
            v[i as usize] = k;
        }
        v
    }
}

impl Serialize for Interner {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let names = self.ordered();
        let mut seq = s.serialize_seq(Some(names.len() + 1))?;
        seq.serialize_element(&(if self.keep_names { "1" } else { "0" }))?;
        for n in names {
            seq.serialize_element(n)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Interner {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v: Vec<String> = Vec::deserialize(d)?;
        let mut it = v.into_iter();
        let keep = it.next().as_deref() == Some("1");
        let mut out = Interner::new(keep);
        for n in it {
            out.intern(&n);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_and_round_trips() {
        for keep in [true, false] {
            let mut i = Interner::new(keep);
            assert_eq!(i.intern("a"), (0, true));
            assert_eq!(i.intern("b"), (1, true));
            assert_eq!(i.intern("a"), (0, false));
            let bytes = postcard::to_stdvec(&i).unwrap();
            let back: Interner = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(back.get("b"), Some(1));
            assert_eq!(back.get("a"), Some(0));
            if keep {
                assert_eq!(back.name(1), "b");
            }
        }
    }
}
