//! Bytes in serde as one base64 string: about a third more than raw, where JSON's array of
//! numbers is about three and a half times as much (and slower to write and read). Used for
//! payloads in commands, events, recordings and the frames to and from a worker process.
//! Reading also takes the array of numbers that recordings made before held.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, SeqAccess, Visitor};

/// Writes the bytes as one base64 string.
pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&STANDARD.encode(bytes))
}

/// Reads a base64 string, or an array of numbers 0..=255.
pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    d.deserialize_any(BytesVisitor)
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("bytes as a base64 string (or, in older files, an array of numbers 0..=255)")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Vec<u8>, E> {
        STANDARD.decode(text).map_err(|e| E::custom(format!("bytes: not base64 ({e})")))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Holder(#[serde(with = "super")] Vec<u8>);

    #[test]
    fn bytes_are_base64_and_old_arrays_still_read() {
        let all: Vec<u8> = (0..=255).collect();
        let json = serde_json::to_string(&Holder(all.clone())).unwrap();
        assert!(json.starts_with('"') && json.len() < 360, "{json}");
        assert_eq!(serde_json::from_str::<Holder>(&json).unwrap().0, all);
        assert_eq!(serde_json::from_str::<Holder>("[1,2,255]").unwrap().0, [1, 2, 255]);
        assert_eq!(serde_json::from_str::<Holder>("\"\"").unwrap().0, Vec::<u8>::new());
        for bad in ["[256]", "[-1]", "\"not base64!\"", "7", "{}"] {
            assert!(serde_json::from_str::<Holder>(bad).is_err(), "{bad}");
        }
    }
}
