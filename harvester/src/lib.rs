//! harvester (in progress)
