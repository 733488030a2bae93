//! Aggregated ClusterRoles: what kube-controller-manager's `clusterrole-aggregation`
//! controller writes into the `rules` of a ClusterRole that has an `aggregationRule`.

use std::collections::BTreeMap;

use super::objects::{ClusterRole, LabelSelector, PolicyRule};
use super::policy::Policy;
use crate::go;

/// A label selector that Kubernetes cannot turn into a selector (`LabelSelectorAsSelector`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SelectorError {
    /// The operator is not `In`, `NotIn`, `Exists` or `DoesNotExist`.
    #[error("{} is not a valid label selector operator", go::quote(operator))]
    Operator {
        /// The operator as written.
        operator: String,
    },
    /// `In`/`NotIn` without values.
    #[error(
        "values: Invalid value: []string{{}}: for 'in', 'notin' operators, values set can't be empty"
    )]
    EmptyValues {
        /// The requirement's key.
        key: String,
    },
    /// `Exists`/`DoesNotExist` with values.
    #[error(
        "values: Invalid value: {values}: values set must be empty for exists and does not exist"
    )]
    UnexpectedValues {
        /// The requirement's key.
        key: String,
        /// The values, as Go's `%#v` prints them.
        values: String,
    },
}

/// Aggregation that could not run, naming the ClusterRole whose selector is broken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "clusterrole {}: aggregationRule.clusterRoleSelectors[{index}]: {source}",
    go::quote(role)
)]
#[non_exhaustive]
pub struct AggregationError {
    /// The aggregated ClusterRole.
    pub role: String,
    /// Index of the broken selector.
    pub index: usize,
    /// What is wrong with it.
    pub source: SelectorError,
}

impl LabelSelector {
    /// Whether an object with `labels` is selected. An empty selector selects everything.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> Result<bool, SelectorError> {
        let mut selected = self
            .match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v));
        for expression in &self.match_expressions {
            let value = labels.get(&expression.key);
            let holds = match expression.operator.as_str() {
                "In" | "NotIn" => {
                    if expression.values.is_empty() {
                        return Err(SelectorError::EmptyValues {
                            key: expression.key.clone(),
                        });
                    }
                    let inside = value.is_some_and(|v| expression.values.contains(v));
                    if expression.operator == "In" {
                        inside
                    } else {
                        !inside
                    }
                }
                "Exists" | "DoesNotExist" => {
                    if !expression.values.is_empty() {
                        let quoted: Vec<String> =
                            expression.values.iter().map(|v| go::quote(v)).collect();
                        return Err(SelectorError::UnexpectedValues {
                            key: expression.key.clone(),
                            values: format!("[]string{{{}}}", quoted.join(", ")),
                        });
                    }
                    (expression.operator == "Exists") == value.is_some()
                }
                other => {
                    return Err(SelectorError::Operator {
                        operator: other.to_owned(),
                    });
                }
            };
            selected &= holds;
        }
        Ok(selected)
    }
}

/// The rules the aggregation controller computes for `role` from `all` ClusterRoles: for each
/// selector in order, the selected roles sorted by name (skipping `role` itself), each rule
/// appended unless an equal rule is already there. `None` when `role` is not aggregated.
pub fn aggregated_rules<'a>(
    role: &ClusterRole,
    all: impl IntoIterator<Item = &'a ClusterRole> + Clone,
) -> Result<Option<Vec<PolicyRule>>, AggregationError> {
    let Some(rule) = &role.aggregation_rule else {
        return Ok(None);
    };
    let mut rules: Vec<PolicyRule> = Vec::new();
    for (index, selector) in rule.cluster_role_selectors.iter().enumerate() {
        let mut selected: Vec<&ClusterRole> = Vec::new();
        for candidate in all.clone() {
            let hit = selector
                .matches(&candidate.metadata.labels)
                .map_err(|source| AggregationError {
                    role: role.metadata.name.clone(),
                    index,
                    source,
                })?;
            if hit {
                selected.push(candidate);
            }
        }
        selected.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        for other in selected {
            if other.metadata.name == role.metadata.name {
                continue;
            }
            for r in &other.rules {
                if !rules.contains(r) {
                    rules.push(r.clone());
                }
            }
        }
    }
    Ok(Some(rules))
}

impl Policy {
    /// Runs the aggregation controller until nothing changes: every aggregated ClusterRole's
    /// `rules` are replaced by what its selectors collect. Roles are processed by name, pass
    /// after pass (aggregated roles may select each other), at most one pass per aggregated
    /// role plus one. Returns the names of the roles whose rules changed.
    pub fn aggregate_cluster_roles(&mut self) -> Result<Vec<String>, AggregationError> {
        let aggregated: Vec<String> = self
            .cluster_roles()
            .filter(|r| r.aggregation_rule.is_some())
            .map(|r| r.metadata.name.clone())
            .collect();
        let mut changed: Vec<String> = Vec::new();
        for _pass in 0..=aggregated.len() {
            let mut any = false;
            for name in &aggregated {
                let Some(role) = self.cluster_role(name) else {
                    continue;
                };
                let Some(rules) = aggregated_rules(role, self.cluster_roles())? else {
                    continue;
                };
                if rules != role.rules {
                    if let Some(role) = self.cluster_roles_mut().get_mut(name) {
                        role.rules = rules;
                    }
                    if !changed.contains(name) {
                        changed.push(name.clone());
                    }
                    any = true;
                }
            }
            if !any {
                break;
            }
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rbac::objects::{AggregationRule, LabelSelectorRequirement, ObjectMeta};

    fn role(name: &str, labels: &[(&str, &str)], rules: Vec<PolicyRule>) -> ClusterRole {
        ClusterRole {
            metadata: ObjectMeta {
                labels: labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                ..ObjectMeta::named(name)
            },
            rules,
            aggregation_rule: None,
        }
    }

    fn selector(labels: &[(&str, &str)]) -> LabelSelector {
        LabelSelector {
            match_labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            match_expressions: vec![],
        }
    }

    #[test]
    fn aggregation_orders_by_name_and_dedupes() {
        let get = PolicyRule::new(["get"]).groups([""]).resources(["pods"]);
        let list = PolicyRule::new(["list"]).groups([""]).resources(["pods"]);
        let mut policy = Policy::new();
        policy.add_cluster_role(role("b", &[("agg", "x")], vec![list.clone(), get.clone()]));
        policy.add_cluster_role(role("a", &[("agg", "x")], vec![get.clone()]));
        policy.add_cluster_role(role("c", &[("other", "y")], vec![list.clone()]));
        let mut target = role("target", &[("agg", "x")], vec![list.clone()]);
        target.aggregation_rule = Some(AggregationRule {
            cluster_role_selectors: vec![selector(&[("agg", "x")]), selector(&[("other", "y")])],
        });
        policy.add_cluster_role(target);
        assert_eq!(policy.aggregate_cluster_roles().unwrap(), ["target"]);
        assert_eq!(
            policy.cluster_role("target").unwrap().rules,
            [get.clone(), list.clone()]
        );
        assert_eq!(
            policy.aggregate_cluster_roles().unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn selector_operators() {
        let labels: BTreeMap<String, String> = [("a".to_owned(), "1".to_owned())].into();
        let expr = |op: &str, values: &[&str]| LabelSelector {
            match_labels: BTreeMap::new(),
            match_expressions: vec![LabelSelectorRequirement {
                key: "a".to_owned(),
                operator: op.to_owned(),
                values: values.iter().map(|v| (*v).to_owned()).collect(),
            }],
        };
        assert_eq!(expr("In", &["1", "2"]).matches(&labels), Ok(true));
        assert_eq!(expr("NotIn", &["1"]).matches(&labels), Ok(false));
        assert_eq!(expr("Exists", &[]).matches(&labels), Ok(true));
        assert_eq!(expr("DoesNotExist", &[]).matches(&labels), Ok(false));
        assert_eq!(LabelSelector::default().matches(&labels), Ok(true));
        assert_eq!(
            expr("in", &["1"]).matches(&labels).unwrap_err().to_string(),
            "\"in\" is not a valid label selector operator"
        );
        assert!(matches!(
            expr("In", &[]).matches(&labels),
            Err(SelectorError::EmptyValues { .. })
        ));
        assert_eq!(
            expr("Exists", &["x"])
                .matches(&labels)
                .unwrap_err()
                .to_string(),
            "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does not exist"
        );
    }
}
