//! The lab over https, for test harnesses that need pages on `https` origins (the differential
//! matrix): a certificate made at start for every `*.localhost` name, signed by itself, which
//! only a browser told to accept it (WebDriver's `acceptInsecureCerts`) trusts.

use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names the certificate covers: every lab host is `localhost` or under it, two labels
/// deep at most (`api.fintrack.localhost`, `blog.fintrack.localhost`) but the lookalikes,
/// which a wildcard of their own covers.
const NAMES: [&str; 4] =
    ["localhost", "*.localhost", "*.fintrack.localhost", "*.free-crypto-giveaway.localhost"];

/// A TLS acceptor with a fresh self-signed certificate, speaking HTTP/1.1 only (the lab's log and
/// limits are written for it).
pub fn acceptor() -> Result<TlsAcceptor, String> {
    let names: Vec<String> = NAMES.iter().map(|n| (*n).to_owned()).collect();
    let certified = rcgen::generate_simple_self_signed(names).map_err(|e| format!("certificate: {e}"))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS versions: {e}"))?
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .map_err(|e| format!("certificate: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_acceptor_is_made_with_a_fresh_certificate() {
        assert!(acceptor().is_ok());
    }
}
