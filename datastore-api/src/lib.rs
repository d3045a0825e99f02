//! datastore-api (in progress)
