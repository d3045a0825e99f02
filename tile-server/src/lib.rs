//! tile-server (in progress)
