//! Ancillary data (cmsg) building and parsing, pure and laid out as glibc's CMSG_* macros
//! do on Linux: a header of `{ size_t len; int level; int type; }`, data aligned to
//! `size_t`.

const ALIGN: usize = std::mem::size_of::<usize>();
const HEADER: usize = std::mem::size_of::<libc::cmsghdr>();

const fn align(n: usize) -> usize {
    (n + ALIGN - 1) & !(ALIGN - 1)
}

/// A control buffer for sendmsg: 8-byte aligned words plus the used length.
#[derive(Default, Debug, Clone)]
pub struct CmsgBuf {
    bytes: Vec<u8>,
}

impl CmsgBuf {
    /// Appends one control message (CMSG_SPACE bytes).
    pub fn push(&mut self, level: i32, ty: i32, data: &[u8]) {
        let start = self.bytes.len();
        self.bytes.resize(start + HEADER + align(data.len()), 0);
        let len = HEADER + data.len();
        self.bytes[start..start + ALIGN].copy_from_slice(&len.to_ne_bytes());
        self.bytes[start + ALIGN..start + ALIGN + 4].copy_from_slice(&level.to_ne_bytes());
        self.bytes[start + ALIGN + 4..start + ALIGN + 8].copy_from_slice(&ty.to_ne_bytes());
        self.bytes[start + HEADER..start + HEADER + data.len()].copy_from_slice(data);
    }

    /// Bytes used so far (for msghdr.msg_controllen), padding included.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when no control message has been pushed.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The buffer as aligned words, as msghdr.msg_control wants it.
    pub fn words(&self) -> Vec<u64> {
        self.bytes
            .chunks(8)
            .map(|c| {
                let mut w = [0u8; 8];
                w[..c.len()].copy_from_slice(c);
                u64::from_ne_bytes(w)
            })
            .collect()
    }
}

/// One parsed control message.
#[derive(Debug, PartialEq, Eq)]
pub struct Cmsg<'a> {
    /// cmsg_level: the protocol, e.g. IPPROTO_SCTP or IPPROTO_IP.
    pub level: i32,
    /// cmsg_type, e.g. SCTP_SNDINFO, SCTP_RCVINFO or IP_TOS.
    pub ty: i32,
    /// The payload after the header: cmsg_len minus the header, without trailing padding.
    pub data: &'a [u8],
}

/// Walks a received control buffer. Malformed tails (a length that runs past the buffer
/// or is shorter than a header) end the walk; they are never read.
pub fn parse(buf: &[u8]) -> Vec<Cmsg<'_>> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + HEADER <= buf.len() {
        let len = usize::from_ne_bytes(buf[off..off + ALIGN].try_into().unwrap_or([0; ALIGN]));
        if len < HEADER || len > buf.len() - off {
            break;
        }
        let level = i32::from_ne_bytes(buf[off + ALIGN..off + ALIGN + 4].try_into().unwrap_or([0; 4]));
        let ty = i32::from_ne_bytes(buf[off + ALIGN + 4..off + HEADER].try_into().unwrap_or([0; 4]));
        out.push(Cmsg { level, ty, data: &buf[off + HEADER..off + len] });
        off += align(len);
    }
    out
}

/// The bytes of an aligned word buffer.
pub fn word_bytes(words: &[u64], len: usize) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_ne_bytes()).take(len).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_cmsg_macros() {
        let mut b = CmsgBuf::default();
        b.push(132, 2, &[1, 2, 3, 4, 5]);
        // CMSG_SPACE(5) = 16 + 8
        assert_eq!(b.len(), 24);
        let bytes = word_bytes(&b.words(), b.len());
        assert_eq!(usize::from_ne_bytes(bytes[0..8].try_into().unwrap()), 21); // CMSG_LEN(5)
        assert_eq!(&bytes[16..21], &[1, 2, 3, 4, 5]);
    }

    #[test]
    fn parse_reads_back_what_push_wrote() {
        let mut b = CmsgBuf::default();
        b.push(132, 2, &[9; 16]);
        b.push(132, 5, &[7; 8]);
        let bytes = word_bytes(&b.words(), b.len());
        let parsed = parse(&bytes);
        assert_eq!(parsed, vec![Cmsg { level: 132, ty: 2, data: &[9; 16] }, Cmsg { level: 132, ty: 5, data: &[7; 8] }]);
    }

    #[test]
    fn malformed_lengths_stop_the_walk() {
        let mut bytes = vec![0u8; 32];
        bytes[0..8].copy_from_slice(&1000usize.to_ne_bytes());
        assert!(parse(&bytes).is_empty());
        bytes[0..8].copy_from_slice(&3usize.to_ne_bytes());
        assert!(parse(&bytes).is_empty());
        assert!(parse(&bytes[..5]).is_empty());
    }
}
