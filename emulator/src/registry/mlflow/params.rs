//! Request parameters as MLflow's server reads them: from the query string of a GET (a
//! repeated field may appear several times), from the JSON body otherwise (a body that is
//! not a JSON object reads as no parameters). Unknown parameters are ignored, as MLflow does;
//! type and presence checks answer with MLflow's texts.

use serde_json::{Map, Value};

use super::error::{MlflowError, Result};

const API_DOCS: &str = " See the API docs for more information about request parameters.";

pub struct Params(Map<String, Value>);

/// The name Python gives a JSON value's type, as MLflow's messages show it.
fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn wrong_type(name: &str, value: &Value) -> MlflowError {
    MlflowError::invalid(format!(
        "Invalid value {value} for parameter '{name}' supplied:  Hint: Value was of type '{}'.{API_DOCS}",
        python_type(value)
    ))
}

impl Params {
    /// `repeated` names the fields that are lists.
    pub fn from_query(raw: Option<&str>, repeated: &[&str]) -> Params {
        let mut map = Map::new();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let value = Value::String(value.into_owned());
            if repeated.contains(&key.as_ref()) {
                if let Value::Array(list) = map
                    .entry(key.into_owned())
                    .or_insert_with(|| Value::Array(Vec::new()))
                {
                    list.push(value);
                }
            } else {
                map.entry(key.into_owned()).or_insert(value);
            }
        }
        Params(map)
    }

    pub fn from_body(body: &[u8]) -> Params {
        match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => Params(map),
            _ => Params(Map::new()),
        }
    }

    pub fn optional_string(&self, name: &str) -> Result<Option<String>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(wrong_type(name, other)),
        }
    }

    /// A string that must be present and not empty.
    pub fn required_string(&self, name: &str) -> Result<String> {
        match self.optional_string(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(MlflowError::invalid(format!(
                "Missing value for required parameter '{name}'.{API_DOCS}"
            ))),
        }
    }

    /// An integer, given as a JSON number or (in a query string) as text.
    pub fn optional_int(&self, name: &str) -> Result<Option<i64>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
            Some(v @ Value::String(s)) => {
                s.trim().parse().map(Some).map_err(|_| wrong_type(name, v))
            }
            Some(other) => Err(wrong_type(name, other)),
        }
    }

    /// `max_results` within `1..=max`, with MLflow's answer beyond it.
    pub fn max_results(&self, default: i64, max: i64) -> Result<i64> {
        let Some(n) = self.optional_int("max_results")? else {
            return Ok(default);
        };
        if n > max {
            let shown = &self.0["max_results"];
            return Err(MlflowError::invalid(format!(
                "Invalid value {shown} for parameter 'max_results' supplied: Hint: Value was of type '{}'.{API_DOCS}",
                python_type(shown)
            )));
        }
        if n < 1 {
            return Err(MlflowError::invalid(format!(
                "Invalid value for max_results. It must be a positive integer, but got {n}"
            )));
        }
        Ok(n)
    }

    pub fn optional_bool(&self, name: &str) -> Result<Option<bool>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(Value::String(s)) => Err(MlflowError::invalid(format!(
                "Invalid boolean value: {s}, must be 'true' or 'false'."
            ))),
            Some(other) => Err(wrong_type(name, other)),
        }
    }

    pub fn string_list(&self, name: &str) -> Result<Vec<String>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(wrong_type(name, &self.0[name])),
                })
                .collect(),
            Some(other) => Err(wrong_type(name, other)),
        }
    }

    /// `tags`: a list of `{"key", "value"}` objects; a missing value reads as empty.
    pub fn tags(&self) -> Result<Vec<(String, String)>> {
        let Some(value) = self.0.get("tags") else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = value else {
            return Err(wrong_type("tags", value));
        };
        items
            .iter()
            .map(|item| {
                let key = item.get("key").and_then(Value::as_str);
                let value = item
                    .get("value")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                match key {
                    Some(key) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
                    _ => Err(MlflowError::invalid(format!(
                        "Missing value for required parameter 'tags'.{API_DOCS}"
                    ))),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_collect_repeated_fields_and_bodies_ignore_non_objects() {
        let p = Params::from_query(Some("name=m&stages=None&stages=Production"), &["stages"]);
        assert_eq!(p.required_string("name").unwrap(), "m");
        assert_eq!(p.string_list("stages").unwrap(), vec!["None", "Production"]);
        let empty = Params::from_body(b"not json");
        assert_eq!(
            empty.required_string("name").unwrap_err().message,
            "Missing value for required parameter 'name'. See the API docs for more information about request parameters."
        );
    }

    #[test]
    fn wrong_types_are_named_as_python_names_them() {
        let p = Params::from_body(br#"{"name": 5}"#);
        assert_eq!(
            p.required_string("name").unwrap_err().message,
            "Invalid value 5 for parameter 'name' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters."
        );
        let q = Params::from_query(Some("max_results=1001"), &[]);
        assert_eq!(
            q.max_results(100, 1000).unwrap_err().message,
            "Invalid value \"1001\" for parameter 'max_results' supplied: Hint: Value was of type 'str'. See the API docs for more information about request parameters."
        );
        assert!(
            Params::from_query(Some("flag=maybe"), &[])
                .optional_bool("flag")
                .is_err()
        );
    }
}
