//! One error type: what was being attempted, the errno (name and text) and, where the
//! kernel's reason can be explained, why.

use std::fmt;
use std::io;

/// A failure: what was attempted, what kind of failure, the errno and the explanation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Error {
    /// What was being attempted, e.g. "send on stream 5".
    pub action: String,
    /// What kind of failure, for code that reacts to it (the text is for people).
    #[serde(default)]
    pub kind: ErrorKind,
    /// The errno the kernel returned, if the failure came from a syscall.
    pub errno: Option<i32>,
    /// An explanation in the user's terms, e.g. "5 outbound streams negotiated (0..4)".
    pub detail: Option<String>,
}

/// sctp-core's result: the value or an [`Error`] that says what was being attempted.
pub type Result<T> = std::result::Result<T, Error>;

/// What kind of failure an [`Error`] is, so callers branch on a type, never on its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A syscall failed; `Error::errno` says how.
    Os,
    /// The input was refused before any syscall: out of range, or meaningless for this endpoint.
    InvalidInput,
    /// The endpoint or association it names is closed or has ended.
    Gone,
    /// Nothing happened within the time allowed (an association not coming up).
    TimedOut,
    /// Something it needs is missing here: a kernel module, a program, a helper.
    Unavailable,
    /// The kernel or a file handed over something that does not decode.
    Malformed,
    /// A limit of this program was reached (endpoints held, list growth).
    Limit,
    /// Read from a recording made before errors carried their kind.
    #[default]
    Unrecorded,
}

impl Error {
    fn new(kind: ErrorKind, action: impl Into<String>, detail: impl Into<String>) -> Self {
        Error { action: action.into(), kind, errno: None, detail: Some(detail.into()) }
    }

    /// Input refused before any syscall; `detail` names the field and the allowed range.
    pub fn invalid(action: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, action, detail)
    }

    /// The endpoint or association is closed or has ended.
    pub fn gone(action: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Gone, action, detail)
    }

    /// Nothing happened within the time allowed.
    pub fn timed_out(action: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::TimedOut, action, detail)
    }

    /// Something needed is missing on this machine.
    pub fn unavailable(action: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, action, detail)
    }

    /// Data from the kernel or a file does not decode.
    pub fn malformed(action: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Malformed, action, detail)
    }

    /// A limit of this program was reached.
    pub fn limit(action: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Limit, action, detail)
    }

    /// A syscall failure.
    pub fn os(action: impl Into<String>, err: &io::Error) -> Self {
        Error { action: action.into(), kind: ErrorKind::Os, errno: err.raw_os_error(), detail: None }
    }

    /// The same error with an explanation in the user's terms.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The errno's symbolic name (`EINVAL`), if the failure came from a syscall.
    pub fn errno_name(&self) -> Option<&'static str> {
        self.errno.map(errno_name)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.action)?;
        if let Some(errno) = self.errno {
            let text = io::Error::from_raw_os_error(errno).to_string();
            // io::Error's text ends with " (os error N)"; the name says it better.
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            write!(f, ": {} ({})", errno_name(errno), text)?;
        }
        if let Some(detail) = &self.detail {
            let sep = if self.errno.is_some() { " — " } else { ": " };
            write!(f, "{sep}{detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Attaches the action to an `io::Result`, so every syscall error says what it was for.
pub trait Context<T> {
    /// Turns an `io::Error` into an [`Error`] of kind `Os` naming the action.
    fn context(self, action: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Context<T> for io::Result<T> {
    fn context(self, action: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::os(action(), &e))
    }
}

/// The symbolic name of an errno, as in `<errno.h>`.
pub fn errno_name(errno: i32) -> &'static str {
    match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::EMFILE => "EMFILE",
        libc::ENFILE => "ENFILE",
        libc::ENOSPC => "ENOSPC",
        libc::EPIPE => "EPIPE",
        libc::ERANGE => "ERANGE",
        libc::ENOSYS => "ENOSYS",
        libc::ENOTSOCK => "ENOTSOCK",
        libc::EDESTADDRREQ => "EDESTADDRREQ",
        libc::EMSGSIZE => "EMSGSIZE",
        libc::EPROTOTYPE => "EPROTOTYPE",
        libc::ENOPROTOOPT => "ENOPROTOOPT",
        libc::EPROTONOSUPPORT => "EPROTONOSUPPORT",
        libc::ESOCKTNOSUPPORT => "ESOCKTNOSUPPORT",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::EADDRINUSE => "EADDRINUSE",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::ENETDOWN => "ENETDOWN",
        libc::ENETUNREACH => "ENETUNREACH",
        libc::ECONNABORTED => "ECONNABORTED",
        libc::ECONNRESET => "ECONNRESET",
        libc::ENOBUFS => "ENOBUFS",
        libc::EISCONN => "EISCONN",
        libc::ENOTCONN => "ENOTCONN",
        libc::ESHUTDOWN => "ESHUTDOWN",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::EHOSTUNREACH => "EHOSTUNREACH",
        libc::EALREADY => "EALREADY",
        libc::EINPROGRESS => "EINPROGRESS",
        _ => "E?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_action_errno_and_detail() {
        let e = Error::os("send on stream 5", &io::Error::from_raw_os_error(libc::EINVAL))
            .with_detail("5 outbound streams negotiated (0..4)");
        assert_eq!(e.to_string(), "send on stream 5: EINVAL (Invalid argument) — 5 outbound streams negotiated (0..4)");
    }

    #[test]
    fn invalid_input_has_no_errno() {
        let e = Error::invalid("parse address \"10.1.1\"", "expected IP:PORT");
        assert_eq!(e.to_string(), "parse address \"10.1.1\": expected IP:PORT");
        assert_eq!(e.errno_name(), None);
        assert_eq!(e.kind, ErrorKind::InvalidInput);
    }

    #[test]
    fn kind_survives_serde_and_old_errors_read_as_unrecorded() {
        let e = Error::timed_out("connect", "no COMM_UP in time");
        let back: Error = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
        let old: Error = serde_json::from_str(r#"{"action":"a","errno":22,"detail":null}"#).unwrap();
        assert_eq!(old.kind, ErrorKind::Unrecorded);
    }

    #[test]
    fn unknown_errno_still_prints_its_text() {
        let e = Error::os("x", &io::Error::from_raw_os_error(133));
        assert!(e.to_string().starts_with("x: E? ("), "{e}");
    }
}
