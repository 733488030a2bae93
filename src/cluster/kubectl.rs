//! The admin's kubectl: each command sent through the control plane as `kubernetes-admin`
//! (`system:masters`) and printed as kubectl prints it (standard output and error together).

use super::Cluster;
use crate::api::{Operation, Reply, Selector, Status};
use crate::csr::{CertificateSigningRequest, describe, kubectl as csr_kubectl};
use crate::identity::UserInfo;
use crate::rbac::bootstrap::CreateClusterRoleBinding;
use crate::rbac::{Attributes, resources};

/// kubectl's `CheckErr` line for a server error: `Error from server (Reason): message`.
fn server_error(status: &Status) -> String {
    let reason = status.reason.as_ref().map_or("", |r| r.as_str());
    format!("Error from server ({reason}): {}\n", status.message)
}

fn reply_error(reply: &Reply) -> String {
    match reply {
        Reply::Status(s) => server_error(s),
        other => format!("error: unexpected reply (HTTP {})\n", other.code()),
    }
}

/// The value of `--flag=value` or `--flag value` at `args[i]`; advances `i` past it.
fn flag_value(args: &[&str], i: &mut usize, flag: &str) -> Option<String> {
    let arg = args.get(*i)?;
    if let Some(v) = arg.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
        return Some(v.to_owned());
    }
    if *arg == flag {
        *i += 1;
        return args.get(*i).map(|v| (*v).to_owned());
    }
    None
}

impl Cluster {
    /// Runs `kubectl <command>` as the admin and returns what kubectl prints. Supported:
    /// `create clusterrolebinding NAME --clusterrole=R [--user=U] [--group=G]
    /// [--serviceaccount=NS:SA]`, `get csr`, `get nodes`, `certificate approve|deny [--force]
    /// NAME…`, `describe csr NAME`, `delete csr|node NAME`, and `auth can-i VERB
    /// RESOURCE[/NAME] [--subresource=S] [--as=USER] [--as-group=GROUP]…`.
    pub fn kubectl(&mut self, command: &str) -> String {
        self.record(super::Record::action(
            self.now,
            &super::record::Action::Kubectl {
                command: command.to_owned(),
            },
        ));
        self.idle();
        let args: Vec<&str> = command.split_whitespace().collect();
        match args.as_slice() {
            ["create", "clusterrolebinding", rest @ ..] => self.create_binding(rest),
            ["get", "csr" | "csrs" | "certificatesigningrequests"] => self.get_csr(),
            ["get", "nodes" | "node" | "no"] => self.get_nodes(),
            ["certificate", verb @ ("approve" | "deny"), rest @ ..] => {
                let decision = if *verb == "approve" {
                    csr_kubectl::CertificateCommand::Approve
                } else {
                    csr_kubectl::CertificateCommand::Deny
                };
                let force = rest.contains(&"--force");
                let names: Vec<&str> = rest.iter().copied().filter(|a| *a != "--force").collect();
                names
                    .iter()
                    .map(|n| self.certificate(n, decision, force))
                    .collect()
            }
            ["describe", "csr" | "certificatesigningrequest", name] => self.describe_csr(name),
            ["delete", "csr" | "certificatesigningrequest", name] => {
                let op = Operation::DeleteCertificateSigningRequest {
                    name: (*name).to_owned(),
                };
                self.deleted(op, "certificatesigningrequest.certificates.k8s.io", name)
            }
            ["delete", "node" | "nodes", name] => {
                let op = Operation::DeleteNode {
                    name: (*name).to_owned(),
                };
                self.deleted(op, "node", name)
            }
            ["auth", "can-i", rest @ ..] => self.can_i(rest),
            _ => format!("error: unknown command \"{command}\" for \"kubectl\"\n"),
        }
    }

    fn admin_call(&mut self, op: Operation) -> Reply {
        let admin = self.admin.clone();
        self.send(&admin, op)
    }

    fn create_binding(&mut self, args: &[&str]) -> String {
        let Some((name, flags)) = args.split_first() else {
            return "error: exactly one NAME is required, got 0\n".to_owned();
        };
        let mut role = String::new();
        let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
        let mut i = 0;
        while i < flags.len() {
            if let Some(v) = flag_value(flags, &mut i, "--clusterrole") {
                role = v;
            } else if let Some(v) = flag_value(flags, &mut i, "--user") {
                users.push(v);
            } else if let Some(v) = flag_value(flags, &mut i, "--group") {
                groups.push(v);
            } else if let Some(v) = flag_value(flags, &mut i, "--serviceaccount") {
                sas.push(v);
            } else {
                return format!("error: unknown flag: {}\n", flags[i]);
            }
            i += 1;
        }
        let mut builder = CreateClusterRoleBinding::new(*name, role);
        for u in users {
            builder = builder.user(u);
        }
        for g in groups {
            builder = builder.group(g);
        }
        for sa in sas {
            builder = builder.service_account(sa);
        }
        let binding = match builder.build() {
            Ok(b) => b,
            Err(e) => return format!("error: {e}\n"),
        };
        match self.admin_call(Operation::CreateClusterRoleBinding(Box::new(binding))) {
            Reply::ClusterRoleBinding { .. } => {
                format!("clusterrolebinding.rbac.authorization.k8s.io/{name} created\n")
            }
            other => reply_error(&other),
        }
    }

    fn get_csr(&mut self) -> String {
        match self.admin_call(Operation::ListCertificateSigningRequests(
            Selector::default(),
        )) {
            Reply::CertificateSigningRequestList(list) if list.items.is_empty() => {
                "No resources found\n".to_owned()
            }
            Reply::CertificateSigningRequestList(list) => {
                csr_kubectl::get_table(&list.items, self.now.timestamp())
            }
            other => reply_error(&other),
        }
    }

    fn get_nodes(&mut self) -> String {
        match self.admin_call(Operation::ListNodes) {
            Reply::NodeList(nodes) if nodes.is_empty() => "No resources found\n".to_owned(),
            Reply::NodeList(nodes) => crate::node::get_table(&nodes, self.now.timestamp()),
            other => reply_error(&other),
        }
    }

    fn get_one_csr(&mut self, name: &str) -> Result<CertificateSigningRequest, String> {
        match self.admin_call(Operation::GetCertificateSigningRequest {
            name: name.to_owned(),
        }) {
            Reply::CertificateSigningRequest { object, .. } => {
                Ok(std::sync::Arc::unwrap_or_clone(object))
            }
            other => Err(reply_error(&other)),
        }
    }

    fn certificate(
        &mut self,
        name: &str,
        decision: csr_kubectl::CertificateCommand,
        force: bool,
    ) -> String {
        let csr = match self.get_one_csr(name) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let outcome = match csr_kubectl::certificate(&csr, decision, force, self.now.timestamp()) {
            Ok(o) => o,
            Err(e) => {
                return format!(
                    "error: certificate signing request {} is already {}\n",
                    crate::go::quote(&e.name),
                    e.condition
                );
            }
        };
        if let Some(update) = outcome.update {
            let reply = self.admin_call(Operation::UpdateApproval(Box::new(update)));
            if !matches!(reply, Reply::CertificateSigningRequest { .. }) {
                return reply_error(&reply);
            }
        }
        format!("{}\n", outcome.output)
    }

    fn describe_csr(&mut self, name: &str) -> String {
        match self.get_one_csr(name) {
            Ok(csr) => match describe::describe(&csr, &[]) {
                Ok(text) => text,
                Err(e) => format!("error: {e}\n"),
            },
            Err(e) => e,
        }
    }

    fn deleted(&mut self, op: Operation, kind: &str, name: &str) -> String {
        match self.admin_call(op) {
            Reply::Status(s) if s.is_success() => format!("{kind} \"{name}\" deleted\n"),
            other => reply_error(&other),
        }
    }

    /// `kubectl auth can-i`: a SelfSubjectAccessReview as the admin, or as the impersonated
    /// user (`--as`, `--as-group`; impersonated users are also `system:authenticated`).
    fn can_i(&mut self, args: &[&str]) -> String {
        let (mut positional, mut user, mut groups, mut subresource) =
            (Vec::new(), None, Vec::new(), String::new());
        let mut i = 0;
        while i < args.len() {
            if let Some(v) = flag_value(args, &mut i, "--as") {
                user = Some(v);
            } else if let Some(v) = flag_value(args, &mut i, "--as-group") {
                groups.push(v);
            } else if let Some(v) = flag_value(args, &mut i, "--subresource") {
                subresource = v;
            } else {
                positional.push(args[i]);
            }
            i += 1;
        }
        let [verb, target] = positional.as_slice() else {
            return "error: you must specify two arguments: verb resource or verb resource/resourceName.\n"
                .to_owned();
        };
        let (resource, name) = target.split_once('/').unwrap_or((target, ""));
        let resolved = match resources::resolve(resource) {
            Ok(r) => r,
            Err(e) => return format!("Warning: {}\nno\n", e.kubectl_warning()),
        };
        let user = match user {
            Some(name) => {
                groups.push(crate::identity::ALL_AUTHENTICATED.to_owned());
                UserInfo::new(name, groups)
            }
            None => UserInfo::new(
                "kubernetes-admin",
                ["system:masters", "system:authenticated"],
            ),
        };
        let mut attributes =
            Attributes::resource(user, *verb, resolved.group(), resolved.resource());
        if !subresource.is_empty() {
            attributes = attributes.with_subresource(subresource);
        }
        if !name.is_empty() {
            attributes = attributes.with_name(name);
        }
        let decision = self.cp.subject_access_review(&attributes);
        if decision.is_allowed() {
            "yes\n".to_owned()
        } else if decision.reason().is_empty() {
            "no\n".to_owned()
        } else {
            format!("no - {}\n", decision.reason())
        }
    }
}
