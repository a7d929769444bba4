//! Every record option as a form: pick the option and the scope, Get, edit, Set. After a
//! Set the worker reads the option back; each field shows what the kernel reports and is
//! highlighted where the kernel applied something other than what was asked. Values are
//! checked (type, range, sctp-core's own checks) before any syscall. (The selected
//! association's live status below the form is `assoc_status`.)
//!
//! One generic form serves every option, gen_sctp's and the kernel's modern ones: the
//! record's serde shape gives its fields, `field_meta` their units and ranges,
//! `OptionName::field_choices` the values of a choice.

use super::Ctx;
use crate::forms;
use crate::widgets::error_line;
use egui::{Color32, RichText, Ui};
use sctp_core::explain::Topic;
use sctp_core::options::{OptionName, OptionValue};
use sctp_core::worker::{Command, EpId};
use sctp_core::{AssocId, EventKind, Scope};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ScopeChoice {
    #[default]
    Future,
    Current,
    All,
    ThisAssociation,
}

/// Units, bounds and editability of one field.
pub struct FieldMeta {
    pub unit: &'static str,
    pub max: u64,
    pub read_only: bool,
}

pub fn field_meta(option: OptionName, field: &str) -> FieldMeta {
    use OptionName::*;
    let m = |unit, max| FieldMeta { unit, max, read_only: false };
    match (option, field) {
        (Rtoinfo, _) | (Associnfo, "cookie_life") => m("ms", u32::MAX as u64),
        (Associnfo, "max_retrans") => m("", 65535),
        (Associnfo, _) => FieldMeta { unit: "", max: u32::MAX as u64, read_only: true },
        (Initmsg, "max_init_timeo") => m("ms", 65535),
        (Initmsg, _) => m("", 65535),
        (Autoclose, _) => m("s", u32::MAX as u64),
        (Maxseg, _) => m("bytes", 65535),
        (PeerAddrParams, "hb_interval") => m("ms", u32::MAX as u64),
        (PeerAddrParams, "path_max_rxt") => m("", 65535),
        (PeerAddrParams, "path_mtu") => m("bytes", 65535),
        (PeerAddrParams, "sack_delay") | (DelayedAckTime, "delay") => m("ms", 500),
        (DefaultSendParam, "stream") | (DefaultSendParam, "flags") => m("", 65535),
        (DefaultSendParam, "time_to_live") => m("ms", u32::MAX as u64),
        (PeerAuthChunks | LocalAuthChunks, _) => FieldMeta { unit: "", max: 0, read_only: true },
        (AuthChunk, _) => m("type", 255),
        (AuthKey | AuthActiveKey | AuthDeactivateKey | AuthDeleteKey, _) => m("", 65535),
        (PrStreamStatus, "stream") => m("", 65535),
        (PrAssocStatus | PrStreamStatus, "abandoned_unsent" | "abandoned_sent") => {
            FieldMeta { unit: "messages", max: u64::MAX, read_only: true }
        }
        (DefaultPrinfo, "value") => m("ms / rtx / prio", u32::MAX as u64),
        (StreamSchedulerValue, _) | (PeerAddrThresholds, _) | (RemoteUdpEncapsPort, _) => m("", 65535),
        (PartialDeliveryPoint, _) => m("bytes", u32::MAX as u64),
        (MaxBurst, _) => m("packets", u32::MAX as u64),
        (FragmentInterleave, _) => m("", 2),
        (PlpmtudProbeInterval, _) => m("ms", u32::MAX as u64),
        _ => m("", u32::MAX as u64),
    }
}

/// What 0 means in an option's numeric fields, where it is special.
fn zero_means(option: OptionName) -> Option<&'static str> {
    use OptionName::*;
    match option {
        Rtoinfo | Associnfo | Initmsg | PeerAddrParams | DelayedAckTime => Some("leaves the kernel's value"),
        Maxseg => Some("lets the path MTU decide"),
        Autoclose => Some("never closes"),
        MaxBurst => Some("means no limit"),
        PartialDeliveryPoint => Some("lets the receive buffer decide"),
        RemoteUdpEncapsPort => Some("turns UDP encapsulation off"),
        PlpmtudProbeInterval => Some("turns PLPMTUD off"),
        _ => None,
    }
}

#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct OptionsPanel {
    pub option: OptionName,
    pub scope: ScopeChoice,
    /// Per option, the form's fields as text (numbers, addresses) or JSON (flags, lists).
    pub drafts: BTreeMap<String, Map<String, Value>>,
    #[serde(skip)]
    pub texts: BTreeMap<(OptionName, String), String>,
    /// What was last sent per option, to compare with the kernel's read-back.
    #[serde(skip)]
    pub sent: BTreeMap<String, Value>,
    /// Options whose form the person changed since the last Set (kernel reads leave
    /// those forms alone).
    #[serde(skip)]
    pub edited: std::collections::BTreeSet<OptionName>,
    /// The kernel value last loaded into each form, per endpoint.
    #[serde(skip)]
    loaded: BTreeMap<(EpId, OptionName), OptionValue>,
    /// Forms already asked for once per endpoint.
    #[serde(skip)]
    asked: std::collections::BTreeSet<(EpId, OptionName)>,
    #[serde(skip)]
    pub error: Option<String>,
}

impl Default for OptionsPanel {
    fn default() -> Self {
        OptionsPanel {
            option: OptionName::Rtoinfo,
            scope: ScopeChoice::Future,
            drafts: BTreeMap::new(),
            texts: BTreeMap::new(),
            sent: BTreeMap::new(),
            edited: Default::default(),
            loaded: BTreeMap::new(),
            asked: Default::default(),
            error: None,
        }
    }
}

fn value_from_fields(option: OptionName, fields: &Map<String, Value>) -> Result<OptionValue, String> {
    let inner = if is_record(option) {
        Value::Object(fields.clone())
    } else {
        fields.get("value").cloned().unwrap_or(Value::Null)
    };
    let v = serde_json::json!({ "option": option.as_str(), "value": inner });
    serde_json::from_value(v).map_err(|e| format!("{}: {e}", option.as_str()))
}

/// How a field edited as text is read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextKind {
    Number,
    /// A peer address (IP:PORT), or empty for none.
    Address,
    /// Bytes as hex the record checks itself (an AUTH key).
    Hex,
}

/// The kind of a field typed as text, by its name and the value's shape; `None` for fields
/// with widgets of their own (flags, choices, lists).
fn text_kind(name: &str, v: &Value) -> Option<TextKind> {
    if name.ends_with("_hex") {
        Some(TextKind::Hex)
    } else if v.is_number() {
        Some(TextKind::Number)
    } else if v.is_null() || name == "address" || name == "addr" {
        Some(TextKind::Address)
    } else {
        None
    }
}

/// Options whose value is a record rather than one bare number or flag.
fn is_record(option: OptionName) -> bool {
    matches!(
        serde_json::to_value(option.default_value()).ok().and_then(|v| v.get("value").cloned()),
        Some(Value::Object(_))
    )
}

fn show_value(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("{} on", a.len()),
        other => other.to_string(),
    }
}

impl OptionsPanel {
    fn scope(&self, assoc: Option<AssocId>) -> Result<Scope, String> {
        Ok(match self.scope {
            ScopeChoice::Future => Scope::Future,
            ScopeChoice::Current => Scope::Current,
            ScopeChoice::All => Scope::All,
            ScopeChoice::ThisAssociation => {
                Scope::Assoc(assoc.ok_or("scope: select an association first (or choose future/current/all)")?)
            }
        })
    }

    fn draft(&mut self) -> &mut Map<String, Value> {
        let option = self.option;
        self.drafts.entry(option.as_str().to_string()).or_insert_with(|| option.default_value().fields())
    }

    /// Builds the option value from the form, checking every field and the option's own
    /// rules (what a Set sends).
    pub fn value(&mut self) -> Result<OptionValue, String> {
        let value = self.typed_value()?;
        value.validate().map_err(|e| format!("{}: {e}", self.option.as_str()))?;
        Ok(value)
    }

    /// The form as a typed value, each field checked but not the option's rules (what a Get
    /// sends as its template: a read-only option's policy, a stream number).
    fn typed_value(&mut self) -> Result<OptionValue, String> {
        let option = self.option;
        let mut fields = self.draft().clone();
        for (name, v) in fields.iter_mut() {
            let Some(text) = self.texts.get(&(option, name.clone())) else { continue };
            let label = format!("{}.{name}", option.as_str());
            *v = match text_kind(name, v) {
                Some(TextKind::Number) => {
                    let meta = field_meta(option, name);
                    Value::from(forms::parse_num(&label, text, 0, meta.max)?)
                }
                Some(TextKind::Hex) => Value::String(text.clone()),
                _ if text.trim().is_empty() => Value::Null,
                _ => {
                    let addr = forms::parse_socket_addrs(&label, text, None)?;
                    Value::String(addr[0].to_string())
                }
            };
        }
        value_from_fields(option, &fields)
    }

    /// Copies a value the kernel reported into the form.
    pub fn load(&mut self, value: &OptionValue) {
        let option = value.option_name();
        let fields = value.fields();
        for (name, v) in &fields {
            if text_kind(name, v).is_some() {
                self.texts.insert((option, name.clone()), if v.is_null() { String::new() } else { show_value(v) });
            }
        }
        self.drafts.insert(option.as_str().to_string(), fields);
    }

    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx) {
        let Some(ep) = cx.sel.ep.filter(|ep| cx.model.endpoints.get(ep).is_some_and(|v| !v.closed)) else {
            ui.label("Select an endpoint or association to edit its options.");
            return;
        };
        ui.horizontal(|ui| {
            let combo = egui::ComboBox::from_label("option").selected_text(self.option.as_str()).show_ui(ui, |ui| {
                ui.label(RichText::new("gen_sctp").weak());
                for name in OptionName::ALL.into_iter().filter(|o| o.in_gen_sctp()) {
                    ui.selectable_value(&mut self.option, name, name.as_str());
                }
                ui.separator();
                ui.label(RichText::new("beyond gen_sctp").weak());
                for name in OptionName::ALL.into_iter().filter(|o| !o.in_gen_sctp()) {
                    ui.selectable_value(&mut self.option, name, name.as_str());
                }
            });
            crate::widgets::explained(combo.response, Topic::Option(self.option), cx.out);
        });
        ui.horizontal(|ui| {
            ui.label("Scope");
            ui.selectable_value(&mut self.scope, ScopeChoice::Future, "future");
            ui.selectable_value(&mut self.scope, ScopeChoice::Current, "current");
            ui.selectable_value(&mut self.scope, ScopeChoice::All, "all");
            let this = match cx.sel.assoc {
                Some(a) => format!("assoc {}", a.0),
                None => "this assoc".into(),
            };
            ui.selectable_value(&mut self.scope, ScopeChoice::ThisAssociation, this);
        });
        self.follow_kernel(cx, ep);
        self.form(ui, cx.model.option_reads.get(&(ep, self.option)), cx.out);
        ui.horizontal(|ui| {
            if !self.option.is_write_only() && ui.button("Get").clicked() {
                self.submit(cx, ep, false);
            }
            if !self.option.is_read_only() && ui.button("Set").clicked() {
                self.submit(cx, ep, true);
            }
            if let Some(read) = cx.model.option_reads.get(&(ep, self.option)).cloned()
                && ui.button("Load kernel values").clicked()
            {
                self.load(&read);
                self.edited.remove(&self.option);
            }
        });
        if let Some(e) = self.error.as_ref().or(cx.model.option_errors.get(&(ep, self.option))) {
            error_line(ui, e);
        }
    }

    /// Keeps a form the person has not touched in step with the kernel: asks for the
    /// option once when it is first shown for an endpoint, and loads each new value read.
    fn follow_kernel(&mut self, cx: &mut Ctx, ep: EpId) {
        // Forget endpoints the model has forgotten (closed long ago).
        self.loaded.retain(|(e, _), _| cx.model.endpoints.contains_key(e));
        let key = (ep, self.option);
        match cx.model.option_reads.get(&key) {
            Some(read) => {
                if !self.edited.contains(&self.option) && self.loaded.get(&key) != Some(read) {
                    self.load(read);
                    self.loaded.insert(key, read.clone());
                }
            }
            None => {
                let needs_assoc = self.option.needs_association() && cx.sel.assoc.is_none();
                if cx.live
                    && !self.option.is_write_only()
                    && !needs_assoc
                    && self.asked.insert(key)
                    && let Ok(scope) = self.scope(cx.sel.assoc)
                {
                    let scope = if matches!(scope, Scope::Current | Scope::All) { Scope::Future } else { scope };
                    cx.send(Command::GetOption { ep, scope, template: self.option.default_value() });
                }
            }
        }
    }

    pub fn submit(&mut self, cx: &mut Ctx, ep: EpId, set: bool) {
        let scope = match self.scope(cx.sel.assoc) {
            Ok(s) => s,
            Err(e) => return self.error = Some(e),
        };
        let value =
            if set { self.value() } else { Ok(self.typed_value().unwrap_or_else(|_| self.option.default_value())) };
        match value {
            Ok(value) => {
                self.error = None;
                if set {
                    // The read-back that follows loads into the form again.
                    self.edited.remove(&self.option);
                    self.sent
                        .insert(self.option.as_str().into(), serde_json::to_value(value.fields()).unwrap_or_default());
                    cx.send(Command::SetOption { ep, scope, value });
                } else {
                    cx.send(Command::GetOption { ep, scope, template: value });
                }
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn form(&mut self, ui: &mut Ui, read: Option<&OptionValue>, out: &mut Vec<super::AppCommand>) {
        let option = self.option;
        let read_fields = read.map(OptionValue::fields).unwrap_or_default();
        let sent = self.sent.get(option.as_str()).cloned();
        let fields: Vec<(String, Value)> = self.draft().clone().into_iter().collect();
        egui::Grid::new(("option-form", option.as_str())).num_columns(3).min_col_width(90.0).striped(true).show(ui, |ui| {
            ui.label(RichText::new("field").weak());
            ui.label(RichText::new("value").weak());
            ui.label(RichText::new("kernel").weak());
            ui.end_row();
            for (name, v) in fields {
                let meta = field_meta(option, &name);
                let label = if meta.unit.is_empty() { name.clone() } else { format!("{name} ({})", meta.unit) };
                let l = crate::widgets::explained(ui.label(&label), Topic::OptionField(option, &name), out);
                match &v {
                    Value::Bool(b) => {
                        let mut b = *b;
                        if ui.checkbox(&mut b, "").labelled_by(l.id).changed() {
                            self.edited.insert(option);
                            self.draft().insert(name.clone(), Value::Bool(b));
                        }
                    }
                    Value::String(s) if ["Keep", "Enable", "Disable"].contains(&s.as_str()) => {
                        let mut choice = s.clone();
                        ui.horizontal(|ui| {
                            for c in ["Keep", "Enable", "Disable"] {
                                ui.selectable_value(&mut choice, c.to_string(), c.to_lowercase());
                            }
                        });
                        if &choice != s {
                            self.edited.insert(option);
                            self.draft().insert(name.clone(), Value::String(choice));
                        }
                    }
                    Value::String(s) if option.field_choices(&name).is_some() => {
                        let mut choice = s.clone();
                        let choices = option.field_choices(&name).unwrap_or_default();
                        egui::ComboBox::from_id_salt(("choice", option.as_str(), name.as_str()))
                            .selected_text(choice.as_str())
                            .show_ui(ui, |ui| {
                                for c in choices {
                                    ui.selectable_value(&mut choice, c.to_string(), *c);
                                }
                            });
                        if &choice != s {
                            self.edited.insert(option);
                            self.draft().insert(name.clone(), Value::String(choice));
                        }
                    }
                    Value::Array(on) => {
                        ui.vertical(|ui| {
                            for kind in EventKind::ALL {
                                let key = Value::String(format!("{kind:?}"));
                                let mut is_on = on.contains(&key);
                                if ui.checkbox(&mut is_on, kind.name()).changed() {
                                    self.edited.insert(option);
                                    let mut list: Vec<Value> = on.iter().filter(|k| **k != key).cloned().collect();
                                    if is_on {
                                        list.push(key);
                                    }
                                    self.draft().insert(name.clone(), Value::Array(list));
                                }
                            }
                        });
                    }
                    _ if meta.read_only => {
                        ui.label(RichText::new("read-only").weak());
                    }
                    _ => {
                        let text = self.texts.entry((option, name.clone())).or_insert_with(|| match &v {
                            Value::Null => String::new(),
                            other => show_value(other),
                        });
                        let kind = text_kind(&name, &v);
                        let (is_hex, is_addr) = (kind == Some(TextKind::Hex), kind == Some(TextKind::Address));
                        let hint = if is_addr { "IP:PORT" } else if is_hex { "hex bytes" } else { "" };
                        let range = if is_hex {
                            "bytes as hex, e.g. 73 65 63 72 65 74".to_string()
                        } else if is_addr {
                            "a peer address, IP:PORT or [IPv6]:PORT".to_string()
                        } else {
                            let unit = if meta.unit.is_empty() { String::new() } else { format!(" {}", meta.unit) };
                            format!("0..={}{unit}{}", meta.max, zero_means(option).map(|z| format!("; 0 {z}")).unwrap_or_default())
                        };
                        let changed = ui
                            .add(egui::TextEdit::singleline(text).desired_width(110.0).hint_text(hint))
                            .labelled_by(l.id)
                            .on_hover_text(range)
                            .changed();
                        if changed {
                            self.edited.insert(option);
                        }
                    }
                }
                let kernel = read_fields.get(&name);
                let asked = sent.as_ref().and_then(|s| s.get(&name));
                let adjusted = matches!((kernel, asked), (Some(k), Some(a)) if k != a && !meta.read_only && name != "hb_demand");
                let text = kernel.map(show_value).unwrap_or_default();
                if adjusted {
                    ui.label(RichText::new(text).color(Color32::BLACK).background_color(Color32::from_rgb(240, 170, 30)))
                        .on_hover_text(format!("the kernel applied this instead of {}", asked.map(show_value).unwrap_or_default()));
                } else {
                    ui.label(text);
                }
                ui.end_row();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sctp_core::options::{NoDelay, RtoInfo};

    #[test]
    fn every_option_has_a_form_that_round_trips() {
        for name in OptionName::ALL {
            let mut p = OptionsPanel { option: name, ..Default::default() };
            let v = name.default_value();
            p.load(&v);
            match p.value() {
                Ok(back) => assert_eq!(back, v, "{}", name.as_str()),
                // Options that need an address say so rather than sending an empty one; a
                // read-only one says it cannot be set.
                Err(e) => assert!(e.contains("peer address") || e.contains("read-only"), "{}: {e}", name.as_str()),
            }
        }
    }

    #[test]
    fn typed_numbers_are_checked_against_field_ranges() {
        let mut p = OptionsPanel { option: OptionName::Rtoinfo, ..Default::default() };
        p.load(&OptionValue::Rtoinfo(RtoInfo { initial: 3000, max: 60000, min: 1000 }));
        p.texts.insert((OptionName::Rtoinfo, "min".into()), "200".into());
        assert_eq!(p.value().unwrap(), OptionValue::Rtoinfo(RtoInfo { initial: 3000, max: 60000, min: 200 }));
        p.texts.insert((OptionName::Rtoinfo, "max".into()), "abc".into());
        assert_eq!(p.value().unwrap_err(), "rtoinfo.max: \"abc\" is not a number");
        p.texts.insert((OptionName::Rtoinfo, "max".into()), "100".into());
        assert_eq!(p.value().unwrap_err(), "rtoinfo: min (200 ms) must not exceed max (100 ms)");

        let mut p = OptionsPanel { option: OptionName::Initmsg, ..Default::default() };
        p.texts.insert((OptionName::Initmsg, "num_ostreams".into()), "70000".into());
        assert_eq!(p.value().unwrap_err(), "initmsg.num_ostreams: 70000 is out of range 0..=65535");
    }

    #[test]
    fn single_value_options_use_a_value_field() {
        let mut p = OptionsPanel { option: OptionName::Nodelay, ..Default::default() };
        p.draft().insert("value".into(), Value::Bool(true));
        assert_eq!(p.value().unwrap(), OptionValue::Nodelay(NoDelay(true)));
    }

    #[test]
    fn scope_this_association_needs_one() {
        let p = OptionsPanel { scope: ScopeChoice::ThisAssociation, ..Default::default() };
        assert!(p.scope(None).unwrap_err().contains("select an association"));
        assert_eq!(p.scope(Some(AssocId(3))), Ok(Scope::Assoc(AssocId(3))));
    }
}
