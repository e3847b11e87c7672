//! What a form holds per field (values, error messages), by field name, in insertion order;
//! also the objects of a Djoser error body.
//!
//! A form has a handful of fields: a list searched by name does a hash map's job here in a
//! fraction of the code (IndexMap cost the bundle about 3 KB gzip).

use std::borrow::Borrow;

#[derive(Clone, Debug, PartialEq)]
pub struct FieldMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for FieldMap<K, V> {
    fn default() -> Self {
        FieldMap(Vec::new())
    }
}

impl<K: Borrow<str>, V> FieldMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.0
            .iter()
            .find(|(key, _)| key.borrow() == name)
            .map(|(_, value)| value)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Replaces what `name` holds, keeping its place, or adds it at the end.
    pub fn insert(&mut self, name: K, value: V) {
        match self
            .0
            .iter_mut()
            .find(|(key, _)| key.borrow() == name.borrow())
        {
            Some((_, held)) => *held = value,
            None => self.0.push((name, value)),
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(key, _)| key.borrow() != name);
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(key, _)| key)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, value)| value)
    }
}

/// `map["name"]`, for tests: panics when `name` holds nothing, as std's maps do.
impl<K: Borrow<str>, V> std::ops::Index<&str> for FieldMap<K, V> {
    type Output = V;

    fn index(&self, name: &str) -> &V {
        self.get(name)
            .unwrap_or_else(|| panic!("no field named {name:?}"))
    }
}

impl<K: Borrow<str>, V> Extend<(K, V)> for FieldMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        for (name, value) in entries {
            self.insert(name, value);
        }
    }
}

impl<K: Borrow<str>, V> FromIterator<(K, V)> for FieldMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut map = FieldMap::new();
        map.extend(entries);
        map
    }
}

impl<K, V> IntoIterator for FieldMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_insertion_order_and_replaces_in_place() {
        let mut map: FieldMap<&str, u32> = [("b", 1), ("a", 2), ("b", 3)].into_iter().collect();
        assert_eq!(map.keys().copied().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(map.get("b"), Some(&3));
        map.insert("c", 4);
        map.remove("b");
        assert!(!map.contains_key("b"));
        assert_eq!(map.into_iter().collect::<Vec<_>>(), [("a", 2), ("c", 4)]);
    }
}
