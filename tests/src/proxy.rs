//! A tiny TCP proxy between a device and the server, so a test can take the
//! server away, bring it back on another port, or cut a connection after a
//! number of bytes (a phone losing signal mid-upload).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

#[derive(Default)]
struct State {
    target: String,
    down: bool,
    /// Cut the connection that carries the byte past this many, counted
    /// from when it was armed (device → server bytes only). One shot.
    cut_after: Option<u64>,
    up_bytes: u64,
    cuts: u32,
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

    pub fn reset_count(&self) {
        self.state.lock().unwrap().up_bytes = 0;
    }

    pub fn cuts(&self) -> u32 {
        self.state.lock().unwrap().cuts
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

fn serve(client: TcpStream, state: Arc<Mutex<State>>) {
    let (down, target) = {
        let s = state.lock().unwrap();
        (s.down, s.target.clone())
    };
    if down {
        return;
    }
    let Ok(server) = TcpStream::connect(&target) else {
        return;
    };
    let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    // Server → device: a plain copy.
    let back = thread::spawn(move || {
        let (mut from, mut to) = (s2, c2);
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    // Device → server: counted, and cut when armed.
    let (mut from, mut to) = (client, server);
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut pass = n;
        let mut cut = false;
        {
            let mut s = state.lock().unwrap();
            if let Some(limit) = s.cut_after {
                let room = limit.saturating_sub(s.up_bytes);
                if (n as u64) > room {
                    pass = room as usize;
                    cut = true;
                    s.cut_after = None;
                    s.cuts += 1;
                }
            }
            s.up_bytes += pass as u64;
        }
        if pass > 0 && to.write_all(&buf[..pass]).is_err() {
            break;
        }
        if cut {
            let _ = to.shutdown(Shutdown::Both);
            let _ = from.shutdown(Shutdown::Both);
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = back.join();
}
