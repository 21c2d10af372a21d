//! The town office's server: the phones push to it and pull from it, and the
//! office console reads from it.
