//! Decoding the collector's framed output (items, checksums) from the exec stream's stdout.
//! Owner: helper A (stub).

use super::NodeItem;

/// Why a node's output could not be decoded as a whole (a single bad item is an item error).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("the node's output ended before the collector finished ({items} items received)")]
    Truncated { items: usize },
    #[error("the node's output is not the collector's: {0}")]
    Garbled(String),
}

/// Decode everything one node printed. Checksums are verified; a mismatch becomes that item's
/// `error`. Items are redacted again (see `redact`) before they are returned.
pub fn decode(_stdout: &[u8]) -> Result<Vec<NodeItem>, FrameError> {
    Err(FrameError::Truncated { items: 0 })
}
