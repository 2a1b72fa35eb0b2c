//! The output directory's lock: `OUT/.kcfg-lock` (the rules are in the
//! parent module's header).

use std::ffi::OsStr;
use std::fs::{File, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::time::{Duration, Instant};

use super::{text, Leftover, OutDir, LOCK};
use crate::disk::{self, Dir, Kind};

/// How often a render waiting for the lock tries again.
const LOCK_POLL: Duration = Duration::from_millis(50);

impl OutDir {
    /// Takes the lock, creating the output directory if it is missing, and
    /// reads the marker again (a render that held the lock may have changed
    /// it). `waiting` is called once, with the holder's process id if it
    /// can be read, when another render holds the lock; after `timeout` the
    /// wait is given up.
    pub fn lock(
        &mut self,
        waiting: &mut dyn FnMut(Option<u32>),
        timeout: Duration,
    ) -> Result<Lock, String> {
        if self.dir.is_none() {
            std::fs::create_dir_all(&self.root)
                .map_err(|err| format!("cannot create {}: {err}", self.root.display()))?;
            self.dir = Dir::open(&self.root, self.follow).map_err(text)?;
        }
        let dir = self.dir()?;
        let name = OsStr::new(LOCK);
        let started = Instant::now();
        let mut told = false;
        loop {
            let mut file = dir
                .open_rw(name, true)
                .map_err(text)?
                .ok_or_else(|| format!("cannot create {}", dir.path_of(LOCK).display()))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    if !told {
                        waiting(holder(&mut file));
                        told = true;
                    }
                    if started.elapsed() > timeout {
                        return Err(format!(
                            "gave up waiting for {} after {}s: another kcfg render holds it{}",
                            dir.path_of(LOCK).display(),
                            timeout.as_secs(),
                            holder(&mut file)
                                .map(|pid| format!(" (pid {pid})"))
                                .unwrap_or_default()
                        ));
                    }
                    std::thread::sleep(LOCK_POLL);
                    continue;
                }
                Err(TryLockError::Error(err)) => {
                    return Err(format!(
                        "cannot lock {}: {err}",
                        dir.path_of(LOCK).display()
                    ))
                }
            }
            // The render before us removes the name before it unlocks: if
            // the name is gone or names another file, ours is stale.
            let ours = disk::file_identity(&file).ok();
            if ours.is_none() || dir.identity(name).map_err(text)? != ours {
                continue;
            }
            let pid = format!("{}\n", std::process::id());
            let written = file
                .set_len(0)
                .and_then(|()| file.rewind())
                .and_then(|()| file.write_all(pid.as_bytes()));
            let lock = Lock {
                dir: dir.try_clone().map_err(text)?,
                _file: file,
            };
            written
                .map_err(|err| format!("cannot write {}: {err}", dir.path_of(LOCK).display()))?;
            self.reload()?;
            return Ok(lock);
        }
    }

    /// For `--check`, which writes nothing (not even a lock): waits while a
    /// render holds the lock, and returns the lock file as a leftover if it
    /// is there with nobody holding it.
    pub fn wait_for_render(
        &self,
        waiting: &mut dyn FnMut(Option<u32>),
        timeout: Duration,
    ) -> Result<Option<Leftover>, String> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        let name = OsStr::new(LOCK);
        let started = Instant::now();
        let mut told = false;
        loop {
            let mut file = match dir.kind(name).map_err(text)? {
                None => return Ok(None),
                Some(Kind::File) => match dir.read_only(name).map_err(text)? {
                    Some(file) => file,
                    None => return Ok(None),
                },
                Some(_) => return Ok(Some(self.leftover("", LOCK))),
            };
            match file.try_lock_shared() {
                Ok(()) => {
                    let ours = disk::file_identity(&file).ok();
                    return Ok(match dir.identity(name).map_err(text)? {
                        None => None,
                        same if same == ours => Some(self.leftover("", LOCK)),
                        // A new render started: wait for that one.
                        Some(_) => continue,
                    });
                }
                Err(TryLockError::WouldBlock) => {
                    if !told {
                        waiting(holder(&mut file));
                        told = true;
                    }
                    if started.elapsed() > timeout {
                        return Err(format!(
                            "gave up waiting for {} after {}s: a kcfg render holds it",
                            dir.path_of(LOCK).display(),
                            timeout.as_secs()
                        ));
                    }
                    std::thread::sleep(LOCK_POLL);
                }
                Err(TryLockError::Error(err)) => {
                    return Err(format!(
                        "cannot lock {}: {err}",
                        dir.path_of(LOCK).display()
                    ))
                }
            }
        }
    }
}

/// The process id written in a lock file, if it can be read.
fn holder(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// The lock on an output directory; dropping it removes the lock file,
/// then unlocks.
#[derive(Debug)]
pub struct Lock {
    dir: Dir,
    _file: File,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked: a waiter that then gets the lock on
        // this file sees its name gone and starts again.
        let _ = self.dir.remove_file(OsStr::new(LOCK));
    }
}
