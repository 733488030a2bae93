//! Start-up of both paths, the hand-over from the legacy bootstrap to the running kubelet, and
//! the transport's periodic check.

use std::sync::Arc;

use super::legacy::{Legacy, write_kubeconfig};
use super::manager::Manager;
use super::rotation::{EXIT_AFTER, TRANSPORT_PERIOD, Template};
use super::startup::{self, Validity};
use super::store::{CLIENT_PREFIX, SERVER_PREFIX, Store, StoreError, load_pair};
use super::{KeyPurpose, Machine, Output, State, Transport};
use crate::kubeconfig::{Credential, Source};
use crate::pki::PrivateKey;
use crate::time::Instant;

impl Machine {
    /// `LoadClientCert`.
    pub(super) fn start_legacy(&mut self, now: Instant) {
        self.state = State::Bootstrapping;
        let kubeconfig = self.config.kubeconfig_path.clone();
        match startup::kubeconfig_validity(&self.io.disk, &kubeconfig, now.timestamp()) {
            Validity::Valid(_) => {
                // klog.InfoS(msg, "path", kubeconfig): the line's text is the message.
                self.io
                    .info("Kubeconfig exists and is valid, skipping bootstrap".to_owned());
                self.legacy_pair = self.kubeconfig_pair(now);
                self.finish_legacy(now);
                return;
            }
            Validity::Invalid(text) => self.io.error(text),
            Validity::Missing => {}
        }
        self.io.info(
            "Using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file"
                .to_owned(),
        );
        let bootstrap_path = self.config.bootstrap_kubeconfig_path.clone();
        let bootstrap = match startup::load_client_config(&self.io.disk, &bootstrap_path) {
            Ok(b) => b,
            Err(e) => return self.exit(format!("unable to load bootstrap kubeconfig: {e}")),
        };
        let credential = match startup::resolve_credential(&self.io.disk, &bootstrap) {
            Ok(c) => c,
            Err(e) => return self.exit(format!("unable to load bootstrap kubeconfig: {e}")),
        };
        let store = Store::new(CLIENT_PREFIX, &self.config.cert_dir);
        match store.recover(&self.io.disk) {
            Ok(ops) => ops.into_iter().for_each(|op| self.io.file(op)),
            Err(_) => return self.exit("unable to build bootstrap cert store".to_owned()),
        }
        // The key of the current pair, re-marshalled, or the tmp key file.
        let current_key = store
            .current(&self.io.disk)
            .ok()
            .and_then(|p| PrivateKey::from_pem(p.key.to_pem().as_bytes()).ok());
        let mut legacy = Legacy::new(
            self.config.node_name.clone(),
            bootstrap,
            credential.credential,
            store,
            self.config.kubeconfig_path.clone(),
            self.config.utc_offset_seconds,
        );
        let key = match current_key {
            Some(k) => Some(k),
            None => {
                self.io.info(
                    "No valid private key and/or certificate found, reusing existing private key or creating a new one"
                        .to_owned(),
                );
                match self.io.disk.read(&legacy.tmp_key_path) {
                    Some(data) => match PrivateKey::from_pem(data) {
                        Ok(k) => Some(k),
                        // keyutil.LoadOrGenerateKeyFile: a file that exists but holds no key
                        // is reported with the nil read error.
                        Err(_) => {
                            let path = legacy.tmp_key_path.clone();
                            return self.exit(format!("error loading key from {path}: <nil>"));
                        }
                    },
                    None => None,
                }
            }
        };
        match key {
            Some(k) => legacy.use_key(&mut self.io, now, k),
            None => legacy.request_key(&mut self.io),
        }
        self.legacy = Some(legacy);
    }

    /// The pair a valid kubeconfig names (for the serving manager's credential).
    fn kubeconfig_pair(&self, _now: Instant) -> Option<Arc<super::Pair>> {
        let config =
            startup::load_client_config(&self.io.disk, &self.config.kubeconfig_path).ok()?;
        let Credential::ClientCertificate { certificate, key } = &config.credential else {
            return None;
        };
        let read = |s: &Source| match s {
            Source::Data(d) => Some(d.clone()),
            Source::File(p) => self.io.disk.read(p).map(<[u8]>::to_vec),
        };
        let (c, k) = (read(certificate)?, read(key)?);
        load_pair(&c, &k, "", "").ok().map(Arc::new)
    }

    /// After each input: a finished legacy bootstrap exits or hands over.
    pub(super) fn after_legacy(&mut self, now: Instant) {
        let Some(legacy) = &self.legacy else { return };
        if let Some(text) = legacy.failed.clone() {
            self.legacy = None;
            self.exit(text);
        } else if let Some(pair) = legacy.done.clone() {
            self.legacy = None;
            self.legacy_pair = Some(pair.clone());
            self.io.outputs.push_back(Output::CertificateChanged {
                purpose: KeyPurpose::Client,
                pair,
            });
            self.finish_legacy(now);
        }
    }

    fn finish_legacy(&mut self, now: Instant) {
        self.state = State::Running;
        self.io.outputs.push_back(Output::Bootstrapped);
        self.start_serving(now);
    }

    /// `LoadClientConfig` and the client certificate manager.
    pub(super) fn start_rotation(&mut self, now: Instant) {
        let kubeconfig = self.config.kubeconfig_path.clone();
        let bootstrap_path = self.config.bootstrap_kubeconfig_path.clone();
        let store_dir = self.config.cert_dir.clone();
        let (cert_config, user_config) = if bootstrap_path.is_empty() {
            match startup::load_client_config(&self.io.disk, &kubeconfig) {
                Ok(c) => {
                    self.io
                        .info("No bootstrapping requested, will use kubeconfig".to_owned());
                    (c.clone(), c)
                }
                Err(e) => return self.exit(format!("unable to load kubeconfig: {e}")),
            }
        } else {
            let store = Store::new(CLIENT_PREFIX, &store_dir);
            match store.recover(&self.io.disk) {
                Ok(ops) => ops.into_iter().for_each(|op| self.io.file(op)),
                Err(_) => return self.exit("unable to build bootstrap cert store".to_owned()),
            }
            match startup::kubeconfig_validity(&self.io.disk, &kubeconfig, now.timestamp()) {
                Validity::Valid(c) => {
                    self.io.info(
                        "Current kubeconfig file contents are still valid, no bootstrap necessary"
                            .to_owned(),
                    );
                    (c.clone(), c)
                }
                other => {
                    if let Validity::Invalid(text) = other {
                        self.io.error(text);
                    }
                    let bootstrap =
                        match startup::load_client_config(&self.io.disk, &bootstrap_path) {
                            Ok(b) => b,
                            Err(e) => {
                                return self
                                    .exit(format!("unable to load bootstrap kubeconfig: {e}"));
                            }
                        };
                    let pem_path = store.current_path();
                    let mut user = bootstrap.clone();
                    user.credential = Credential::ClientCertificate {
                        certificate: Source::File(pem_path.clone()),
                        key: Source::File(pem_path.clone()),
                    };
                    write_kubeconfig(&mut self.io, &bootstrap, &kubeconfig, &pem_path);
                    self.io.info(
                        "Use the bootstrap credentials to request a cert, and set kubeconfig to point to the certificate dir"
                            .to_owned(),
                    );
                    (bootstrap, user)
                }
            }
        };
        match startup::resolve_credential(&self.io.disk, &cert_config) {
            Ok(c) => self.fallback = Some(c),
            // The bootstrap credential files are unreadable: requests go out anonymous and
            // fail, as client-go's would.
            Err(e) => self
                .io
                .error(format!("unable to load the bootstrap credential: {e}")),
        }
        // NewKubeletClientCertificateManager: store with the user config's cert/key files,
        // its inline cert/key data as bootstrap data.
        let mut store = Store::new(CLIENT_PREFIX, &store_dir);
        let mut bootstrap_data = None;
        if let Credential::ClientCertificate { certificate, key } = &user_config.credential {
            match (certificate, key) {
                (Source::File(c), Source::File(k)) => {
                    store.cert_file = c.clone();
                    store.key_file = k.clone();
                }
                (Source::Data(c), Source::Data(k)) => bootstrap_data = Some((c.clone(), k.clone())),
                _ => {}
            }
        }
        if let Err(e) = store
            .recover(&self.io.disk)
            .map(|ops| ops.into_iter().for_each(|op| self.io.file(op)))
        {
            return self.exit(format!(
                "failed to initialize client certificate manager: {e}"
            ));
        }
        let (cert, force) = match store.current(&self.io.disk) {
            Ok(pair)
                if pair
                    .leaf()
                    .is_some_and(|l| now < Instant::from(l.not_after())) =>
            {
                (Some(Arc::new(pair)), false)
            }
            Ok(_) | Err(StoreError::NoCertKey { .. }) => {
                match &bootstrap_data {
                    Some((c, k)) => match load_pair(c, k, "", "") {
                        Ok(pair) => {
                            match store.update(&self.io.disk, now.timestamp(), self.config.utc_offset_seconds, c, k) {
                            Ok((ops, _)) => ops.into_iter().for_each(|op| self.io.file(op)),
                            Err(e) => self.io.error(format!(
                                "Unable to set the cert/key pair to the bootstrap certificate: {e}"
                            )),
                        }
                            (Some(Arc::new(pair)), true)
                        }
                        Err(e) => {
                            return self.exit(format!(
                                "failed to initialize client certificate manager: {e}"
                            ));
                        }
                    },
                    None => (None, true),
                }
            }
            Err(e) => {
                return self.exit(format!(
                    "failed to initialize client certificate manager: {e}"
                ));
            }
        };
        if self.stranded(now, cert.as_deref()) {
            return;
        }
        if let Some(pair) = &cert {
            self.io.outputs.push_back(Output::CertificateChanged {
                purpose: KeyPurpose::Client,
                pair: pair.clone(),
            });
        }
        let template = Template::client(&self.config.node_name);
        let manager = Manager::start(
            &mut self.io,
            KeyPurpose::Client,
            store,
            cert,
            force,
            Some(template),
            now,
        );
        self.client = Some(manager);
        self.transport = Some(Transport {
            next_check: now,
            last_cert_available: now,
            last_serial: None,
        });
        self.start_serving(now);
    }

    fn start_serving(&mut self, now: Instant) {
        if !self.config.serving || self.serving.is_some() {
            return;
        }
        let store = Store::new(SERVER_PREFIX, &self.config.cert_dir);
        if let Err(e) = store
            .recover(&self.io.disk)
            .map(|ops| ops.into_iter().for_each(|op| self.io.file(op)))
        {
            return self.exit(format!(
                "failed to initialize server certificate store: {e}"
            ));
        }
        let (cert, force) = match store.current(&self.io.disk) {
            Ok(pair)
                if pair
                    .leaf()
                    .is_some_and(|l| now < Instant::from(l.not_after())) =>
            {
                (Some(Arc::new(pair)), false)
            }
            Ok(_) | Err(StoreError::NoCertKey { .. }) => (None, true),
            Err(e) => {
                return self.exit(format!(
                    "failed to initialize server certificate manager: {e}"
                ));
            }
        };
        if let Some(pair) = &cert {
            self.io.outputs.push_back(Output::CertificateChanged {
                purpose: KeyPurpose::Serving,
                pair: pair.clone(),
            });
        }
        self.serving = Some(Manager::start(
            &mut self.io,
            KeyPurpose::Serving,
            store,
            cert,
            force,
            None,
            now,
        ));
    }

    /// Beyond Kubernetes: without a valid client certificate, when the only credential left is
    /// an expired client certificate, stop with a diagnosis.
    fn stranded(&mut self, now: Instant, cert: Option<&super::Pair>) -> bool {
        let valid = cert
            .and_then(|p| p.leaf())
            .is_some_and(|l| now <= Instant::from(l.not_after()));
        if valid {
            return false;
        }
        let Some(expired_at) = self
            .fallback
            .as_ref()
            .and_then(|f| f.not_after)
            .filter(|t| now > Instant::from(*t))
        else {
            return false;
        };
        // A restart would bootstrap again with the bootstrap kubeconfig: only when there is
        // none, or it cannot help, is the node stranded.
        let path = self.config.bootstrap_kubeconfig_path.clone();
        let bootstrap = if path.is_empty() {
            "no bootstrap kubeconfig is configured".to_owned()
        } else {
            match startup::load_client_config(&self.io.disk, &path)
                .and_then(|c| startup::resolve_credential(&self.io.disk, &c))
            {
                Err(e) => format!("the bootstrap kubeconfig {path} cannot be used: {e}"),
                Ok(c) if c.not_after.is_some_and(|t| now > Instant::from(t)) => {
                    format!("the bootstrap kubeconfig {path} holds an expired client certificate")
                }
                Ok(_) => return false,
            }
        };
        let text = format!(
            "the client certificate expired at {} and no bootstrap credential is left ({bootstrap}): \
             every renewal would be refused and the kubelet would restart forever; give the node a \
             bootstrap kubeconfig with a valid token (--bootstrap-kubeconfig) or a new client \
             certificate, then restart it",
            crate::go::time_string(expired_at)
        );
        self.io.error(text.clone());
        self.io.outputs.push_back(Output::Exit(text.clone()));
        self.state = State::Stranded(text);
        true
    }

    /// The transport's check every 10 s (`addCertRotation`, `exitAfter` 5 min).
    pub(super) fn transport_check(&mut self, now: Instant) {
        let Some(t) = &self.transport else { return };
        if now < t.next_check {
            return;
        }
        let current = self.client.as_ref().and_then(|m| m.current(now)).cloned();
        let healthy = self.client.as_ref().is_some_and(|m| m.server_healthy);
        let mut exit = None;
        let Some(t) = self.transport.as_mut() else {
            return;
        };
        t.next_check = now + TRANSPORT_PERIOD;
        match &current {
            None => {
                if now > t.last_cert_available + EXIT_AFTER {
                    if healthy {
                        exit = Some(format!(
                            "It has been {EXIT_AFTER} since a valid client cert was found and the server is responsive, exiting."
                        ));
                    } else {
                        self.io.error(format!(
                            "It has been {EXIT_AFTER} since a valid client cert was found, but the server is not responsive. A restart may be necessary to retrieve new initial credentials."
                        ));
                    }
                }
            }
            Some(pair) => {
                // The manager's Current() is nil once the certificate expired, so client-go's
                // "has expired" branch never runs; the 5-minute rule above covers it.
                t.last_cert_available = now;
                let serial = pair.leaf().map(|l| l.der().to_vec());
                if t.last_serial.is_some() && t.last_serial != serial {
                    self.io.info(
                        "certificate rotation detected, shutting down client connections to start using new credentials"
                            .to_owned(),
                    );
                }
                t.last_serial = serial;
            }
        }
        if let Some(text) = exit {
            self.exit(text);
            return;
        }
        if current.is_none() {
            let cert = self.client.as_ref().and_then(|m| m.cert.clone());
            self.stranded(now, cert.as_deref());
        }
    }
}
