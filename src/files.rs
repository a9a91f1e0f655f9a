//! Every file smtp-doctor reads goes through here: files are untrusted input (a project folder
//! it did not write, a path a script passed), so a read is bounded in size, refuses what is not
//! a regular file (a FIFO with no writer would hang, `/dev/zero` never ends, a directory is not
//! a file) and says in one line what is wrong, naming the file and the limit.

use std::io::Read;
use std::path::Path;

/// What a file is read for, which decides its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A settings file: `.env`, `settings.py`, `config.py`, `application.properties` / `.yml`.
    Settings,
    /// A `--targets` list.
    Targets,
    /// A `--ca-file` (PEM).
    CaFile,
    /// A JSON report read by `diff`.
    Report,
    /// A password or token read from standard input.
    Secret,
    /// An error text or log excerpt given to `explain` (a file or standard input).
    ErrorText,
}

impl FileKind {
    /// The most bytes read for this kind.
    pub const fn limit(self) -> u64 {
        match self {
            FileKind::Settings | FileKind::Targets | FileKind::ErrorText => 1 << 20,
            FileKind::CaFile | FileKind::Report => 8 << 20,
            FileKind::Secret => 64 << 10,
        }
    }
}

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// Opening or reading failed (missing, permission denied, …).
    #[error("cannot read {path}: {why}")]
    Io {
        /// The file.
        path: String,
        /// The error kind, in words.
        why: String,
    },
    /// A FIFO, device, socket or directory.
    #[error("cannot read {path}: not a regular file ({what})")]
    NotRegular {
        /// The file.
        path: String,
        /// What it is instead.
        what: &'static str,
    },
    /// Larger than the limit for its kind.
    #[error("cannot read {path}: larger than the limit of {limit}")]
    TooLarge {
        /// The file.
        path: String,
        /// The limit, in words (e.g. `1 MiB`).
        limit: String,
    },
}

/// A byte count as people read it (`64 KiB`, `1 MiB`).
pub fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

fn shown(path: &Path) -> String {
    crate::printable::escape(path.display().to_string().as_bytes())
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// Reads at most `kind.limit()` bytes of the regular file at `path` (symlinks followed).
pub fn read_bytes(path: &Path, kind: FileKind) -> Result<Vec<u8>, FileError> {
    let io = |e: std::io::Error| FileError::Io {
        path: shown(path),
        why: e.kind().to_string(),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(FileError::NotRegular {
            path: shown(path),
            what: kind_of(&meta),
        });
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // The file may have been swapped for a FIFO since the check: never block in open().
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(FileError::NotRegular {
            path: shown(path),
            what: kind_of(&meta),
        });
    }
    let limit = kind.limit();
    let too_large = || FileError::TooLarge {
        path: shown(path),
        limit: human_bytes(limit),
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Reads a text file: bounded as [`read_bytes`]; bytes that are not UTF-8 become U+FFFD, so a
/// stray Latin-1 byte in a comment never makes a whole file be skipped.
pub fn read_text(path: &Path, kind: FileKind) -> Result<String, FileError> {
    let bytes = read_bytes(path, kind)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Reads a file the way Java reads `.properties` (ISO-8859-1: every byte is one character),
/// unless it is valid UTF-8 (Spring Boot reads UTF-8 `.properties` too).
pub(crate) fn read_latin1(path: &Path, kind: FileKind) -> Result<String, FileError> {
    let bytes = read_bytes(path, kind)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => e.as_bytes().iter().map(|&b| char::from(b)).collect(),
    })
}

/// Reads the first line of `input` (without its line ending), at most
/// [`FileKind::Secret`]'s limit: an endless input (`</dev/zero`) is an error, not an abort.
pub fn read_first_line(input: &mut dyn Read, what: &str) -> Result<String, FileError> {
    let limit = FileKind::Secret.limit();
    let mut line = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(FileError::Io {
                    path: what.to_string(),
                    why: e.kind().to_string(),
                })
            }
        };
        if let Some(end) = buf[..n].iter().position(|&b| b == b'\n') {
            line.extend_from_slice(&buf[..end]);
            break;
        }
        line.extend_from_slice(&buf[..n]);
        if line.len() as u64 > limit {
            break;
        }
    }
    if line.len() as u64 > limit {
        return Err(FileError::TooLarge {
            path: what.to_string(),
            limit: format!("{} for one line", human_bytes(limit)),
        });
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|_| FileError::Io {
        path: what.to_string(),
        why: "not UTF-8 text".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("smtp-doctor-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn devices_directories_and_fifos_are_refused_without_hanging() {
        let e = read_bytes(&std::env::temp_dir(), FileKind::Targets).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        #[cfg(unix)]
        {
            let e = read_bytes(Path::new("/dev/zero"), FileKind::Settings).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
            let fifo = temp("fifo");
            let _ = std::fs::remove_file(&fifo);
            rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RUSR).unwrap();
            let e = read_bytes(&fifo, FileKind::Settings).unwrap_err();
            assert!(e.to_string().contains("a FIFO"), "{e}");
            // A symlink to /dev/zero is followed and refused too.
            let link = temp("zero-link");
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            let e = read_text(&link, FileKind::Settings).unwrap_err();
            assert!(e.to_string().contains("a device"), "{e}");
        }
    }

    #[test]
    fn too_large_names_the_file_and_the_limit() {
        let big = temp("big.env");
        std::fs::write(&big, vec![b'a'; (1 << 20) + 1]).unwrap();
        let e = read_text(&big, FileKind::Settings).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "cannot read {}: larger than the limit of 1 MiB",
                big.display()
            )
        );
        assert_eq!(
            read_bytes(&big, FileKind::Report).unwrap().len(),
            (1 << 20) + 1
        );
    }

    #[test]
    fn non_utf8_is_read_not_skipped() {
        let f = temp("latin1.properties");
        std::fs::write(&f, b"# caf\xe9\nspring.mail.host=smtp.example.com\n").unwrap();
        assert!(read_text(&f, FileKind::Settings)
            .unwrap()
            .contains("spring.mail.host=smtp.example.com"));
        assert!(read_latin1(&f, FileKind::Settings)
            .unwrap()
            .starts_with("# café\n"));
    }

    #[test]
    fn first_line_of_an_endless_input_is_bounded() {
        let mut zeros = std::io::repeat(0);
        let e = read_first_line(&mut zeros, "standard input").unwrap_err();
        assert!(e.to_string().contains("64 KiB"), "{e}");
        let mut ok: &[u8] = b"s3cret\r\nrest";
        assert_eq!(read_first_line(&mut ok, "stdin").unwrap(), "s3cret");
    }
}
