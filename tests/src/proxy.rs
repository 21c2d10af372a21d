//! A tiny TCP proxy between a device and the server, so a test can take the
//! server away, bring it back on another port, or cut a connection after a
//! number of bytes (a phone losing signal mid-upload).
//!
//! It can also play a bad rural link ([`Link`]): a bandwidth limit in each
//! direction, a delay on every byte, and a cut of the connection each time
//! another so many bytes went up. It counts the bytes both ways, so a test
//! can check that an upload resumed rather than started again.
//!
//! The load tool (`gridsafe-load badlink`) runs the same proxy.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How a bad link behaves. The default is a perfect link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Link {
    /// Device → server bandwidth in bits per second (`None`: unlimited).
    pub up_bps: Option<u64>,
    /// Server → device bandwidth in bits per second.
    pub down_bps: Option<u64>,
    /// Delay added to every byte, in each direction.
    pub delay: Duration,
    /// Cut the connection that carries the device's byte past every this
    /// many bytes sent up (a phone losing signal every few megabytes).
    pub cut_every: Option<u64>,
}

impl Link {
    /// A link of `kbit` kbit/s both ways with `rtt` round-trip time.
    pub fn rural(kbit: u64, rtt: Duration) -> Link {
        Link {
            up_bps: Some(kbit * 1000),
            down_bps: Some(kbit * 1000),
            delay: rtt / 2,
            cut_every: None,
        }
    }
}

#[derive(Default)]
struct State {
    target: String,
    down: bool,
    link: Link,
    /// Cut the connection that carries the byte past this many, counted
    /// from when it was armed (device → server bytes only). One shot.
    cut_after: Option<u64>,
    up_bytes: u64,
    down_bytes: u64,
    /// Device → server bytes since the last periodic cut.
    since_cut: u64,
    cuts: u32,
    connections: u32,
}

pub struct Proxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Forwards to `target` (`http://HOST:PORT` or `HOST:PORT`).
    pub fn start(target: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            target: host_port(target),
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let st = st.clone();
                thread::spawn(move || serve(client, st));
            }
        });
        Proxy { addr, state, stop }
    }

    /// The URL a device should use.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_target(&self, target: &str) {
        self.state.lock().unwrap().target = host_port(target);
    }

    /// While down, every connection is dropped at once.
    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    /// Plays `link` on the connections opened from now on.
    pub fn set_link(&self, link: Link) {
        let mut s = self.state.lock().unwrap();
        s.link = link;
        s.since_cut = 0;
    }

    /// Cuts the connection carrying the device's `n`-th byte from now.
    pub fn cut_after(&self, n: u64) {
        let mut s = self.state.lock().unwrap();
        s.up_bytes = 0;
        s.cut_after = Some(n);
    }

    /// Device → server bytes since the last [`cut_after`](Self::cut_after)
    /// or [`reset_count`](Self::reset_count).
    pub fn up_bytes(&self) -> u64 {
        self.state.lock().unwrap().up_bytes
    }

    /// Server → device bytes since the last [`reset_count`](Self::reset_count).
    pub fn down_bytes(&self) -> u64 {
        self.state.lock().unwrap().down_bytes
    }

    pub fn reset_count(&self) {
        let mut s = self.state.lock().unwrap();
        s.up_bytes = 0;
        s.down_bytes = 0;
    }

    /// Connections cut so far, one-shot and periodic.
    pub fn cuts(&self) -> u32 {
        self.state.lock().unwrap().cuts
    }

    /// Connections the device opened through the proxy.
    pub fn connections(&self) -> u32 {
        self.state.lock().unwrap().connections
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn host_port(target: &str) -> String {
    target
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// Bytes read at once; small enough that pacing a slow link stays smooth.
const PIECE: usize = 4 * 1024;
/// Pieces held between reading and writing, so a slow link pushes back on
/// the sender (as a real one does) instead of buffering without end.
const IN_FLIGHT: usize = 16;

#[derive(Clone, Copy, PartialEq)]
enum Dir {
    Up,
    Down,
}

fn serve(client: TcpStream, state: Arc<Mutex<State>>) {
    let (down, target, link) = {
        let mut s = state.lock().unwrap();
        s.connections += 1;
        (s.down, s.target.clone(), s.link)
    };
    if down {
        return;
    }
    let Ok(server) = TcpStream::connect(&target) else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let cut = Arc::new(AtomicBool::new(false));
    let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let (st2, cut2) = (state.clone(), cut.clone());
    let back = thread::spawn(move || pipe(s2, c2, Dir::Down, link.down_bps, link, &st2, &cut2));
    pipe(client, server, Dir::Up, link.up_bps, link, &state, &cut);
    let _ = back.join();
}

/// Copies one direction: a reader that counts and decides cuts, and a
/// writer that delays and paces what the reader hands it.
fn pipe(
    from: TcpStream,
    to: TcpStream,
    dir: Dir,
    bps: Option<u64>,
    link: Link,
    state: &Mutex<State>,
    cut: &AtomicBool,
) {
    let (tx, rx) = sync_channel::<(Instant, Vec<u8>)>(IN_FLIGHT);
    let writer_to = to.try_clone().unwrap();
    let writer = thread::spawn(move || write_paced(rx, writer_to, link.delay, bps));
    let mut from_r = from.try_clone().unwrap();
    let mut buf = [0u8; PIECE];
    let mut severed = false;
    loop {
        let n = match from_r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if cut.load(Ordering::SeqCst) {
            break;
        }
        let mut pass = n;
        {
            let mut s = state.lock().unwrap();
            if dir == Dir::Up {
                if let Some(limit) = s.cut_after {
                    let room = limit.saturating_sub(s.up_bytes);
                    if (n as u64) > room {
                        pass = room as usize;
                        severed = true;
                        s.cut_after = None;
                    }
                }
                if let Some(every) = link.cut_every {
                    let room = every.saturating_sub(s.since_cut);
                    if (pass as u64) > room {
                        pass = room as usize;
                        severed = true;
                    }
                }
                s.up_bytes += pass as u64;
                s.since_cut += pass as u64;
                if severed {
                    s.since_cut = 0;
                    s.cuts += 1;
                }
            } else {
                s.down_bytes += n as u64;
            }
        }
        if pass > 0 && tx.send((Instant::now(), buf[..pass].to_vec())).is_err() {
            break;
        }
        if severed {
            break;
        }
    }
    drop(tx);
    // What was read before the cut still arrives; nothing after it does.
    let _ = writer.join();
    if severed {
        cut.store(true, Ordering::SeqCst);
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    } else if !cut.load(Ordering::SeqCst) {
        let _ = to.shutdown(Shutdown::Write);
    }
}

fn write_paced(
    rx: Receiver<(Instant, Vec<u8>)>,
    mut to: TcpStream,
    delay: Duration,
    bps: Option<u64>,
) {
    // When the link is free again for the next byte.
    let mut free_at = Instant::now();
    for (read_at, piece) in rx {
        let due = read_at + delay;
        let start = due.max(free_at);
        let now = Instant::now();
        if start > now {
            thread::sleep(start - now);
        }
        if to.write_all(&piece).is_err() {
            break;
        }
        if let Some(bps) = bps {
            // The piece holds the link for its length at the link's rate.
            free_at = start + Duration::from_secs_f64(piece.len() as f64 * 8.0 / bps as f64);
        }
    }
}
