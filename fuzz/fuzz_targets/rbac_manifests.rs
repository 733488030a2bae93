//! RBAC manifests (JSON or YAML) → objects → validation → both authorizers on requests built
//! from the policy's own words. Nothing panics; objects survive a JSON and a YAML round trip;
//! the indexed authorizer and the explanation agree with the walk, before and after
//! aggregation.
#![no_main]

use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::rbac::{
    Attributes, Authorize, IndexedAuthorizer, Object, Policy, parse_manifests,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The manifest, then (after a NUL) bytes that pick the requests.
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let Ok(text) = std::str::from_utf8(&data[..split]) else {
        return;
    };
    let picks = data.get(split + 1..).unwrap_or_default();
    let Ok(manifests) = parse_manifests(text) else {
        return;
    };
    let mut words: Vec<String> = vec![String::new(), "*".into(), "get".into()];
    for object in &manifests.objects {
        let _ = object.validate();
        let _ = object.validate_update(object);
        let json = object.to_json_pretty();
        let again = parse_manifests(&json).expect("own JSON parses");
        assert_eq!(again.objects, [object.clone()], "JSON round trip of {json}");
        let yaml = object.to_yaml();
        let again = parse_manifests(&yaml).expect("own YAML parses");
        assert_eq!(again.objects, [object.clone()], "YAML round trip of {yaml}");
        collect_words(object, &mut words);
    }
    words.sort();
    words.dedup();
    let mut policy = Policy::from_objects(manifests.objects);
    check(&policy, &words, picks);
    if policy.aggregate_cluster_roles().is_ok() {
        check(&policy, &words, picks);
    }
});

fn check(policy: &Policy, words: &[String], picks: &[u8]) {
    let fast = IndexedAuthorizer::new(policy);
    for chunk in picks.chunks(9).take(64) {
        let word = |i: usize| -> String {
            let b = chunk.get(i).copied().unwrap_or(0) as usize;
            words[b % words.len()].clone()
        };
        let groups = (0..chunk.first().map_or(0, |b| b % 4))
            .map(|i| word(1 + i as usize))
            .collect::<Vec<_>>();
        let user = UserInfo::new(word(5), groups);
        let mut a = if chunk.first().is_some_and(|b| b & 0x80 != 0) {
            Attributes::non_resource(user, word(6), word(7))
        } else {
            Attributes::resource(user, word(6), word(7), word(8)).with_subresource(word(2))
        };
        a.namespace = word(3);
        a.name = word(4);
        let walked = policy.authorize(&a);
        assert_eq!(fast.authorize(&a), walked, "{a:?}");
        assert_eq!(policy.explain(&a).decision, walked, "{a:?}");
    }
}

fn collect_words(object: &Object, words: &mut Vec<String>) {
    let meta = object.metadata();
    words.push(meta.name.clone());
    words.push(meta.namespace.clone());
    match object {
        Object::Role(r) => r.rules.iter().for_each(|r| rule_words(r, words)),
        Object::ClusterRole(r) => r.rules.iter().for_each(|r| rule_words(r, words)),
        Object::RoleBinding(b) => {
            for s in &b.subjects {
                words.push(s.name.clone());
                words.push(format!("system:serviceaccount:{}:{}", s.namespace, s.name));
                words.push(format!(
                    "system:serviceaccount:{}:{}",
                    b.metadata.namespace, s.name
                ));
            }
        }
        Object::ClusterRoleBinding(b) => {
            for s in &b.subjects {
                words.push(s.name.clone());
                words.push(format!("system:serviceaccount:{}:{}", s.namespace, s.name));
            }
        }
    }
}

fn rule_words(rule: &kube_tls_bootstrap::rbac::PolicyRule, words: &mut Vec<String>) {
    for list in [
        &rule.verbs,
        &rule.api_groups,
        &rule.resources,
        &rule.resource_names,
        &rule.non_resource_urls,
    ] {
        words.extend(list.iter().cloned());
        for item in list {
            if let Some((resource, sub)) = item.split_once('/') {
                words.push(resource.to_owned());
                words.push(sub.to_owned());
            }
        }
    }
}
