//! Who may come in, and how often: the client address of a connection or
//! request, the caps on concurrent connections (per address and in total),
//! and the per-address budgets of the HTTP API and of guest tokens.
//!
//! The client address is the TCP peer's, or, when the peer is a proxy the
//! operator declared trusted, the last address that proxy appended to
//! `X-Forwarded-For`. Loopback peers are exempt from the per-address caps
//! and budgets unless the operator says otherwise: a proxy on the same
//! machine that was not declared trusted would otherwise make every player
//! one address.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde_json::json;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The admission settings (`[limits]` in the config file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdmissionSettings {
    /// Open TCP connections (HTTP, polling and websocket alike), in total.
    pub max_connections: usize,
    /// Open TCP connections from one client address.
    pub max_connections_per_address: usize,
    /// Sustained HTTP API requests per second from one client address.
    pub api_per_second: u32,
    /// HTTP API requests one client address may send at once.
    pub api_burst: u32,
    /// Guest tokens one client address may take per minute.
    pub guests_per_minute: u32,
    /// Guest tokens one client address may take at once.
    pub guest_burst: u32,
    /// Peers whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// Loopback clients skip the per-address caps and budgets.
    pub exempt_loopback: bool,
}

impl Default for AdmissionSettings {
    fn default() -> Self {
        AdmissionSettings {
            max_connections: 10_000,
            max_connections_per_address: 200,
            api_per_second: 20,
            api_burst: 40,
            guests_per_minute: 30,
            guest_burst: 10,
            trusted_proxies: Vec::new(),
            exempt_loopback: true,
        }
    }
}

/// Why a connection was not let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crowded {
    /// The host holds as many connections as it may.
    Host,
    /// This address holds as many connections as it may.
    Address,
}

impl Crowded {
    /// The message a refused client reads.
    pub fn message(self) -> &'static str {
        match self {
            Crowded::Host => "the server is full; try again shortly",
            Crowded::Address => "too many connections from your address",
        }
    }
}

/// The caps and budgets, shared by the accept loop and the HTTP routes.
pub struct Admission {
    settings: AdmissionSettings,
    total: AtomicUsize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
    api: DefaultKeyedRateLimiter<IpAddr>,
    guests: DefaultKeyedRateLimiter<IpAddr>,
}

fn at_least_one(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl Admission {
    /// The admission of one node.
    pub fn new(settings: AdmissionSettings) -> Arc<Self> {
        let api = Quota::per_second(at_least_one(settings.api_per_second))
            .allow_burst(at_least_one(settings.api_burst));
        let guests = Quota::per_minute(at_least_one(settings.guests_per_minute))
            .allow_burst(at_least_one(settings.guest_burst));
        let admission = Arc::new(Admission {
            settings,
            total: AtomicUsize::new(0),
            per_address: Mutex::new(HashMap::new()),
            api: RateLimiter::keyed(api),
            guests: RateLimiter::keyed(guests),
        });
        // The budgets of addresses that went quiet are forgotten.
        let weak = Arc::downgrade(&admission);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(admission) = weak.upgrade() else {
                    return;
                };
                admission.api.retain_recent();
                admission.guests.retain_recent();
            }
        });
        admission
    }

    fn exempt(&self, address: IpAddr) -> bool {
        self.settings.exempt_loopback && address.is_loopback()
    }

    /// Lets a connection from `peer` in, or says why not. The ticket holds
    /// its place until it is dropped (with the connection).
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Ticket, Crowded> {
        if self.total.fetch_add(1, Ordering::AcqRel) >= self.settings.max_connections {
            self.total.fetch_sub(1, Ordering::AcqRel);
            return Err(Crowded::Host);
        }
        // A trusted proxy carries many clients: only the total applies.
        let counted = !self.exempt(peer) && !self.settings.trusted_proxies.contains(&peer);
        if counted {
            let mut open = self.per_address.lock().unwrap_or_else(|p| p.into_inner());
            let n = open.entry(peer).or_insert(0);
            if *n >= self.settings.max_connections_per_address {
                drop(open);
                self.total.fetch_sub(1, Ordering::AcqRel);
                return Err(Crowded::Address);
            }
            *n += 1;
        }
        Ok(Ticket {
            admission: self.clone(),
            address: counted.then_some(peer),
        })
    }

    /// Open connections, in total.
    pub fn open_connections(&self) -> usize {
        self.total.load(Ordering::Acquire)
    }

    /// The client address of a request from `peer` (see the module doc).
    pub fn client_of(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
        if !self.settings.trusted_proxies.contains(&peer) {
            return peer;
        }
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back()
            .unwrap_or(peer)
    }

    /// Takes one request from `client`'s API budget (and its guest-token
    /// budget for `guest`); on refusal, about how long to wait.
    fn spend(&self, client: IpAddr, guest: bool) -> Result<(), Duration> {
        if self.exempt(client) {
            return Ok(());
        }
        self.api
            .check_key(&client)
            .map_err(|_| Duration::from_secs(1))?;
        if guest {
            let per_token = 60 / u64::from(self.settings.guests_per_minute.max(1));
            self.guests
                .check_key(&client)
                .map_err(|_| Duration::from_secs(per_token.max(1)))?;
        }
        Ok(())
    }
}

/// A connection's place in the caps, given back when it drops.
pub struct Ticket {
    admission: Arc<Admission>,
    address: Option<IpAddr>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.admission.total.fetch_sub(1, Ordering::AcqRel);
        if let Some(address) = self.address {
            let mut open = self
                .admission
                .per_address
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(n) = open.get_mut(&address) {
                *n -= 1;
                if *n == 0 {
                    open.remove(&address);
                }
            }
        }
    }
}

/// The middleware of the HTTP API: every request spends from its client's
/// budget; `POST /api/auth/guest` from the guest-token budget too. A
/// refusal is `429 RATE_LIMITED` with `Retry-After`.
pub async fn budget(
    State(admission): State<Arc<Admission>>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let Some(peer) = peer else {
        return next.run(request).await;
    };
    let client = admission.client_of(peer, request.headers());
    let guest = request.uri().path() == "/api/auth/guest";
    match admission.spend(client, guest) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let body = json!({"error": {
                "code": "RATE_LIMITED",
                "message": if guest { "too many guest tokens from your address; slow down" } else { "too many requests from your address; slow down" },
            }});
            let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            let secs = wait.as_secs().max(1);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AdmissionSettings {
        AdmissionSettings {
            max_connections: 3,
            max_connections_per_address: 2,
            api_per_second: 1,
            api_burst: 2,
            guests_per_minute: 1,
            guest_burst: 1,
            trusted_proxies: vec!["10.0.0.1".parse().unwrap()],
            exempt_loopback: true,
        }
    }

    #[tokio::test]
    async fn connections_are_capped_per_address_and_in_total_and_given_back() {
        let admission = Admission::new(settings());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = admission.admit(a).unwrap();
        let _second = admission.admit(a).unwrap();
        assert_eq!(admission.admit(a).err(), Some(Crowded::Address));
        let _third = admission.admit(b).unwrap();
        assert_eq!(admission.admit(b).err(), Some(Crowded::Host));
        drop(first);
        assert_eq!(admission.open_connections(), 2);
        assert!(
            admission.admit(a).is_ok(),
            "a closed connection frees its place"
        );
    }

    #[tokio::test]
    async fn loopback_and_trusted_proxies_skip_the_per_address_cap_not_the_total() {
        let admission = Admission::new(settings());
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let _held: Vec<_> = (0..3)
            .map(|i| admission.admit(if i == 0 { local } else { proxy }).unwrap())
            .collect();
        assert_eq!(admission.admit(local).err(), Some(Crowded::Host));
    }

    #[tokio::test]
    async fn the_client_behind_a_trusted_proxy_is_the_last_forwarded_address() {
        let admission = Admission::new(settings());
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            admission.client_of(proxy, &headers),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            admission.client_of(stranger, &headers),
            stranger,
            "an untrusted peer's header is ignored"
        );
    }

    #[tokio::test]
    async fn each_address_has_its_own_budget() {
        let admission = Admission::new(settings());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(admission.spend(a, true).is_ok());
        assert!(
            admission.spend(a, true).is_err(),
            "one guest token a minute"
        );
        assert!(
            admission.spend(a, false).is_err(),
            "the burst of two is spent"
        );
        assert!(admission.spend(b, false).is_ok());
        let local: IpAddr = "::1".parse().unwrap();
        for _ in 0..100 {
            assert!(admission.spend(local, true).is_ok());
        }
    }
}
