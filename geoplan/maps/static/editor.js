/* geoplan map editor (maps served by the API): select a project feature, read or edit its attributes in a side
   panel, move its vertices or drag its point, delete it, draw new ones; every save goes through the API with
   If-Match, updates the layer in place and can be undone.  Planners sign in once per browser session (token in
   sessionStorage, never in a URL); viewers see attributes and no editing tools.  Everything a person typed goes
   into the page as text (textContent), never as HTML. */
window.geoplanEditor = function (map, cfg) {
  "use strict";
  var T = cfg.text, TOKEN = "geoplan.token", api = cfg.api;
  var specs = {};
  cfg.layers.forEach(function (l) { specs[l.name] = l; });
  merge(L.drawLocal, cfg.drawLocal);

  var role = null, writable = false, drawControl = null, drawing = false;
  var current = null;         // the open panel: {mode, spec, entry, id, feature, etag, geometry, editor, ...}
  var saving = false;
  var root = map.getContainer();
  var editGroup = L.featureGroup().addTo(map);

  // ------------------------------------------------------------------ small helpers
  function merge(into, from) {
    Object.keys(from || {}).forEach(function (k) {
      if (from[k] && typeof from[k] === "object" && into[k] && typeof into[k] === "object") merge(into[k], from[k]);
      else into[k] = from[k];
    });
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function token() { return sessionStorage.getItem(TOKEN) || ""; }
  function headers(extra) {
    var h = Object.assign({"Accept": "application/geo+json, application/json"}, extra || {});
    if (token()) h.Authorization = "Bearer " + token();
    return h;
  }
  function itemUrl(layer, id) {
    return api + "/collections/" + encodeURIComponent(layer) + "/items/" + encodeURIComponent(id);
  }
  function problemOf(resp) {
    return resp.text().then(function (text) {
      try { return JSON.parse(text); } catch (e) { return {detail: text}; }
    });
  }
  function valueLabel(spec, name, value) {
    var f = spec.all[name];
    if (value === null || value === undefined || value === "") return "";
    if (f && f.enum) {
      var hit = f.enum.filter(function (v) { return v[0] === value; })[0];
      return hit ? hit[1] : String(value);
    }
    if (typeof value === "boolean") return value ? T.yes : T.no;
    return String(value) + (f && f.unit ? " " + f.unit : "");
  }

  // ------------------------------------------------------------------ the catalogue layers on this map
  var entries = (window.geoplanLayers || []).filter(function (e) { return specs[e.name]; });
  entries.forEach(function (entry) {
    entry.spec = specs[entry.name];
    Object.assign(entry.styles.table, entry.spec.styles.table);  // every style a saved feature may need
    entry.geo.unbindPopup();  // the side panel shows a selected feature instead
    entry.geo.on("click", function (ev) {
      if (drawing || !ev.layer || !ev.layer.feature) return;
      L.DomEvent.stopPropagation(ev);
      select(entry, ev.layer.feature.properties._id);
    });
  });
  function entryFor(layer) { return entries.filter(function (e) { return e.name === layer; })[0]; }
  function cluster(entry) {
    if (entry.geo._map || entry.cluster === null) return null;
    if (entry.cluster) return entry.cluster;
    entry.cluster = null;
    map.eachLayer(function (l) {
      if (l._featureGroup && l !== entry.geo && l.hasLayer) {
        entry.geo.eachLayer(function (child) { if (l.hasLayer(child)) entry.cluster = l; });
      }
    });
    return entry.cluster;
  }
  function shown(entry, id) {
    var out = [];
    entry.geo.eachLayer(function (l) { if (l.feature && String(l.feature.properties._id) === String(id)) out.push(l); });
    return out;
  }
  function removeShown(entry, id) {
    var c = cluster(entry);
    shown(entry, id).forEach(function (l) {
      entry.geo.removeLayer(l);
      if (c) c.removeLayer(l);
    });
  }
  function styleKey(spec, props) {
    return spec.styles.key_fields.map(function (k) {
      return props[k] === undefined || props[k] === null ? "" : String(props[k]);
    }).join("|");
  }
  /* Show ``feature`` (as the API returned it) in its layer in place of what was there: no reload, view kept. */
  function putShown(entry, feature) {
    var id = String(feature.id);
    removeShown(entry, id);
    var props = Object.assign({}, feature.properties, {_id: id, _s: styleKey(entry.spec, feature.properties)});
    entry.geo.addData({type: "Feature", geometry: feature.geometry, properties: props});
    var c = cluster(entry);
    if (c) shown(entry, id).forEach(function (l) { c.addLayer(l); });
  }

  // ------------------------------------------------------------------ side panel
  var side = el("aside", {id: "gp-edit-panel", "class": "gp-box gp-side", "aria-label": T.panel});
  root.appendChild(side);
  L.DomEvent.disableClickPropagation(side);
  L.DomEvent.disableScrollPropagation(side);

  function openPanel() {
    side.classList.add("gp-open");
    root.classList.add("gp-side-open");
  }
  function closePanel() {
    stopGeometryEdit(true);
    editGroup.clearLayers();
    if (current && current.highlight) current.highlight();
    current = null;
    side.classList.remove("gp-open");
    root.classList.remove("gp-side-open");
    side.textContent = "";
  }
  function message(kind, lines, action) {
    var div = side.querySelector("#gp-edit-message");
    if (!div) return;
    div.className = "gp-msg gp-msg-" + kind;
    div.textContent = "";
    lines.forEach(function (line) { if (line) div.appendChild(el("div", {}, line)); });
    if (action) div.appendChild(action);
  }
  function button(id, label, onClick, cls) {
    var b = el("button", {type: "button", id: id, "class": cls || ""}, label);
    b.addEventListener("click", onClick);
    return b;
  }
  function fieldInput(f, value) {
    var input;
    if (f.enum) {
      input = el("select", {name: f.name});
      input.appendChild(el("option", {value: ""}, "—"));
      f.enum.forEach(function (v) { input.appendChild(el("option", {value: v[0]}, v[1])); });
    } else if (f.type === "boolean") {
      input = el("select", {name: f.name});
      [["", "—"], ["true", T.yes], ["false", T.no]].forEach(function (v) {
        input.appendChild(el("option", {value: v[0]}, v[1]));
      });
    } else {
      input = el("input", {name: f.name, type: f.type === "integer" || f.type === "number" ? "number" : "text"});
      if (f.type === "number") input.setAttribute("step", "any");
    }
    if (value !== undefined && value !== null) input.value = String(value);
    input.dataset.type = f.type;
    return input;
  }
  function renderFields(holder, spec, props) {
    holder.textContent = "";
    spec.fields.forEach(function (f) {
      var row = el("label", {"class": "gp-field"});
      row.appendChild(el("span", {}, f.label + (f.required ? " *" : "")));
      row.appendChild(fieldInput(f, props ? props[f.name] : undefined));
      row.appendChild(el("small", {"class": "gp-field-error", "data-field": f.name}));
      holder.appendChild(row);
    });
  }
  function collect() {
    var props = {};
    side.querySelectorAll("#gp-edit-fields [name]").forEach(function (input) {
      var raw = input.value.trim(), type = input.dataset.type;
      if (raw === "") return;
      if (type === "integer") props[input.name] = Number.isInteger(Number(raw)) ? Number(raw) : raw;
      else if (type === "number") props[input.name] = isNaN(Number(raw)) ? raw : Number(raw);
      else if (type === "boolean") props[input.name] = raw === "true";
      else props[input.name] = raw;
    });
    return props;
  }
  function focusFirst() {
    var first = side.querySelector("input, select, button");
    if (first) first.focus();
  }

  // ------------------------------------------------------------------ selecting an existing feature
  function highlightShown(entry, id) {
    var undo = [];
    shown(entry, id).forEach(function (l) {
      if (l.setStyle) {
        var before = {weight: l.options.weight, color: l.options.color};
        l.setStyle({weight: (before.weight || 2) + 3, color: "#ff7800"});
        undo.push(function () { if (l._map || l._renderer) l.setStyle(before); });
      } else if (l._icon) {
        l._icon.classList.add("gp-selected");
        undo.push(function () { if (l._icon) l._icon.classList.remove("gp-selected"); });
      }
    });
    return function () { undo.forEach(function (f) { f(); }); };
  }
  function select(entry, id) {
    if (current && current.highlight) current.highlight();
    stopGeometryEdit(true);
    current = {mode: "edit", entry: entry, spec: entry.spec, id: String(id), highlight: highlightShown(entry, id)};
    side.textContent = "";
    side.appendChild(el("h4", {}, entry.spec.title));
    side.appendChild(el("div", {id: "gp-edit-message", role: "status"}, T.loading));
    openPanel();
    load(current).then(function () { if (current && current.id === String(id)) renderFeature(); });
  }
  function load(state) {
    return fetch(itemUrl(state.spec.name, state.id), {headers: headers()}).then(function (resp) {
      if (resp.status === 404) {
        removeShown(state.entry, state.id);
        state.feature = null;
        message("error", [T.gone]);
        return;
      }
      if (!resp.ok) return problemOf(resp).then(function (p) { message("error", [T.failed, p.detail || p.title]); });
      state.etag = resp.headers.get("ETag");
      return resp.json().then(function (f) { state.feature = f; state.geometry = null; });
    }).catch(function (err) { message("error", [T.failed, String(err)]); });
  }
  function renderFeature() {
    var spec = current.spec, f = current.feature;
    if (!f) return;
    var p = f.properties;
    side.textContent = "";
    side.appendChild(el("h4", {}, spec.title + " · " + (p.name || f.id)));
    side.appendChild(el("div", {"class": "gp-meta"},
      T.version + " " + p.version + (p.updated_at ? " · " + p.updated_at : "") +
      (p.village_code ? " · " + spec.all.village_code.label + " " + p.village_code : "")));
    if (role === "planner") {
      var holder = el("div", {id: "gp-edit-fields"});
      side.appendChild(holder);
      renderFields(holder, spec, p);
      side.appendChild(el("ul", {id: "gp-edit-warnings", "class": "gp-warnings", role: "status"}));
      var bar = el("div", {"class": "gp-actions"});
      bar.appendChild(button("gp-edit-save", T.save, saveExisting, "gp-primary"));
      if (["Point", "LineString", "Polygon"].indexOf(f.geometry.type) >= 0) {
        bar.appendChild(button("gp-edit-geometry", f.geometry.type === "Point" ? T.move : T.reshape, toggleGeometry));
      }
      bar.appendChild(button("gp-edit-delete", T.remove, askDelete, "gp-danger"));
      bar.appendChild(button("gp-edit-close", T.close, closePanel));
      side.appendChild(bar);
    } else {
      var table = el("table", {"class": "gp-attrs"});
      spec.shown.forEach(function (name) {
        var text = valueLabel(spec, name, p[name]);
        if (!text) return;
        var tr = el("tr");
        tr.appendChild(el("th", {}, spec.all[name].label));
        tr.appendChild(el("td", {}, text));
        table.appendChild(tr);
      });
      side.appendChild(table);
      side.appendChild(button("gp-edit-close", T.close, closePanel));
    }
    side.appendChild(el("div", {id: "gp-edit-message", role: "status", "aria-live": "polite"}));
    focusFirst();
  }

  // ------------------------------------------------------------------ geometry editing
  function toggleGeometry() {
    if (current.editor) { stopGeometryEdit(true); return; }
    var g = current.feature.geometry;
    var layer = L.GeoJSON.geometryToLayer({type: "Feature", geometry: g, properties: {}}, {
      pointToLayer: function (_, ll) { return L.marker(ll, {draggable: true, keyboard: true}); }
    });
    editGroup.addLayer(layer);
    current.hidden = shown(current.entry, current.id);
    removeShown(current.entry, current.id);
    if (layer instanceof L.Marker) {
      layer.dragging.enable();
      layer.on("dragend", changedGeometry);
    } else {
      layer.setStyle({color: "#ff7800", weight: 4});
      layer.editing.enable();
      layer.on("edit", changedGeometry);
    }
    current.editor = layer;
    side.querySelector("#gp-edit-geometry").classList.add("gp-active");
    message("info", [T.geometryHint]);
  }
  function changedGeometry() {
    if (!current || !current.editor) return;
    current.geometry = current.editor.toGeoJSON().geometry;
    check();
  }
  /* Stop editing the shape; ``restore`` puts the unchanged feature back on its layer. */
  function stopGeometryEdit(restore) {
    if (!current || !current.editor) return;
    if (current.editor.editing && current.editor.editing.enabled()) current.editor.editing.disable();
    editGroup.removeLayer(current.editor);
    current.editor = null;
    if (restore && current.feature) putShown(current.entry, current.feature);
    current.geometry = null;
    var b = side.querySelector("#gp-edit-geometry");
    if (b) b.classList.remove("gp-active");
  }

  // ------------------------------------------------------------------ siting warnings (shown, never blocking)
  var checkTimer = null, checkSeq = 0;
  function check() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(function () {
      if (!current) return;
      var layer = current.mode === "new" ? side.querySelector("#gp-edit-layer").value : current.spec.name;
      var geometry = current.geometry || (current.feature && current.feature.geometry);
      if (!geometry) return;
      var seq = ++checkSeq;
      fetch(api + "/collections/" + encodeURIComponent(layer) + "/checks", {
        method: "POST",
        headers: headers({"Content-Type": "application/geo+json"}),
        body: JSON.stringify({type: "Feature", id: current.id || null, geometry: geometry})
      }).then(function (resp) { return resp.ok ? resp.json() : {warnings: []}; }).then(function (body) {
        var list = side.querySelector("#gp-edit-warnings");
        if (seq !== checkSeq || !list) return;
        list.textContent = "";
        body.warnings.forEach(function (w) { list.appendChild(el("li", {"data-code": w.code}, "⚠ " + w.message)); });
      }).catch(function () { /* a warning that cannot be computed is no reason to stop a save */ });
    }, 200);
  }

  // ------------------------------------------------------------------ saving, conflicts, undo
  function begin(btn) {
    if (saving) return false;
    saving = true;
    if (btn) btn.disabled = true;
    message("info", [T.saving]);
    side.querySelectorAll(".gp-field-error").forEach(function (s) { s.textContent = ""; });
    side.querySelectorAll("[aria-invalid]").forEach(function (i) { i.removeAttribute("aria-invalid"); });
    return true;
  }
  function end(btn) {
    saving = false;
    if (btn) btn.disabled = false;
  }
  function refused(resp, layer) {
    return problemOf(resp).then(function (problem) {
      var lines = [T.failed + " (" + resp.status + ")"];
      if (resp.status === 401) lines.push(T.need_signin);
      else if (resp.status === 403) lines.push(T.forbidden);
      (problem.problems || []).forEach(function (p) {
        var spec = specs[layer], label = p.field && spec && spec.all[p.field] ? spec.all[p.field].label : p.field;
        lines.push((label ? label + ": " : "") + p.message);
        var slot = p.field && side.querySelector('.gp-field-error[data-field="' + p.field + '"]');
        if (slot) slot.textContent = p.message;
        var input = p.field && side.querySelector('#gp-edit-fields [name="' + p.field + '"]');
        if (input) input.setAttribute("aria-invalid", "true");
      });
      if (!(problem.problems || []).length && (problem.detail || problem.title)) {
        lines.push(problem.detail || problem.title);
      }
      message("error", lines, resp.status === 401 ? button("gp-edit-signin", T.signin, openSignIn) : null);
    });
  }
  function undoButton(change) {
    return change ? button("gp-edit-undo", T.undo, function () { undo(change); }) : null;
  }
  function saveExisting() {
    var btn = side.querySelector("#gp-edit-save");
    if (!begin(btn)) return;
    var state = current, old = state.feature.properties, props = collect();
    // Bookkeeping the form does not show is kept; the village is re-derived when the shape moved.
    Object.keys(old).forEach(function (k) {
      if (k === "version" || k === "updated_at" || k in props || state.spec.formFields[k]) return;
      if (k === "village_code" && state.geometry) return;
      props[k] = old[k];
    });
    var body = {type: "Feature", id: state.id, geometry: state.geometry || state.feature.geometry, properties: props};
    fetch(itemUrl(state.spec.name, state.id), {
      method: "PUT",
      headers: headers({"Content-Type": "application/geo+json", "If-Match": state.etag}),
      body: JSON.stringify(body)
    }).then(function (resp) {
      if (resp.status === 412) return conflict(state);
      if (!resp.ok) return refused(resp, state.spec.name);
      var change = resp.headers.get("Geoplan-Change");
      state.etag = resp.headers.get("ETag");
      return resp.json().then(function (saved) {
        if (current !== state) { putShown(state.entry, saved); return; }
        stopGeometryEdit(false);
        state.feature = saved;
        putShown(state.entry, saved);
        renderFeature();
        state.highlight = highlightShown(state.entry, state.id);
        message("ok", [T.saved + " (" + T.version + " " + saved.properties.version + ")"], undoButton(change));
      });
    }).catch(function (err) { message("error", [T.failed, String(err)]); }).then(function () {
      end(side.querySelector("#gp-edit-save"));
    });
  }
  /* 412: someone saved this feature since it was opened. Say who and when; offer to reload just this feature. */
  function conflict(state) {
    return fetch(itemUrl(state.spec.name, state.id) + "/history", {headers: headers()}).then(function (resp) {
      return resp.ok ? resp.json() : {versions: []};
    }).then(function (h) {
      var last = h.versions[h.versions.length - 1] || {};
      var text = T.conflict.replace("{actor}", last.actor || "?").replace("{at}", last.at || "?")
        .replace("{version}", last.version || "?");
      message("error", [text], button("gp-edit-reload", T.reload, function () { reload(state); }));
    });
  }
  function reload(state) {
    stopGeometryEdit(false);
    return load(state).then(function () {
      if (!state.feature) return;
      putShown(state.entry, state.feature);
      if (current === state) {
        renderFeature();
        state.highlight = highlightShown(state.entry, state.id);
        message("info", [T.reloaded]);
      }
    });
  }
  function askDelete() {
    var btn = side.querySelector("#gp-edit-delete");
    if (!btn.classList.contains("gp-confirm")) {
      btn.classList.add("gp-confirm");
      btn.textContent = T.confirmRemove;
      return;
    }
    if (!begin(btn)) return;
    var state = current;
    fetch(itemUrl(state.spec.name, state.id), {method: "DELETE", headers: headers({"If-Match": state.etag})})
      .then(function (resp) {
        if (resp.status === 412) return conflict(state);
        if (!resp.ok) return refused(resp, state.spec.name);
        var change = resp.headers.get("Geoplan-Change");
        stopGeometryEdit(false);
        removeShown(state.entry, state.id);
        side.textContent = "";
        side.appendChild(el("h4", {}, state.spec.title + " · " + (state.feature.properties.name || state.id)));
        side.appendChild(el("div", {id: "gp-edit-message", role: "status"}));
        side.appendChild(button("gp-edit-close", T.close, closePanel));
        message("ok", [T.removed], undoButton(change));
      }).catch(function (err) { message("error", [T.failed, String(err)]); }).then(function () { end(btn); });
  }
  function undo(change) {
    var btn = side.querySelector("#gp-edit-undo");
    if (!begin(btn)) return;
    var state = current;
    fetch(api + "/changes/" + encodeURIComponent(change) + "/undo", {method: "POST", headers: headers()})
      .then(function (resp) {
        if (!resp.ok) return refused(resp, state.spec.name);
        return fetch(itemUrl(state.spec.name, state.id), {headers: headers()}).then(function (r) {
          if (r.status === 404) {
            removeShown(state.entry, state.id);
            closePanel();
            return;
          }
          state.etag = r.headers.get("ETag");
          return r.json().then(function (f) {
            state.feature = f;
            state.geometry = null;
            putShown(state.entry, f);
            if (state.mode === "new") { state.mode = "edit"; }
            renderFeature();
            state.highlight = highlightShown(state.entry, state.id);
            message("ok", [T.undone]);
          });
        });
      }).catch(function (err) { message("error", [T.failed, String(err)]); }).then(function () { end(btn); });
  }

  // ------------------------------------------------------------------ drawing new features
  var families = {marker: "point", polyline: "line", polygon: "polygon"};
  function drawTools(on) {
    if (on && !drawControl) {
      drawControl = new L.Control.Draw({
        position: "topleft",
        draw: {polyline: {}, polygon: {allowIntersection: false}, marker: {}, rectangle: false, circle: false,
               circlemarker: false},
        edit: false
      });
      map.addControl(drawControl);
    } else if (!on && drawControl) {
      map.removeControl(drawControl);
      drawControl = null;
    }
  }
  map.on(L.Draw.Event.DRAWSTART, function () { drawing = true; });
  map.on(L.Draw.Event.DRAWSTOP, function () { setTimeout(function () { drawing = false; }, 0); });
  map.on(L.Draw.Event.CREATED, function (e) {
    closePanel();
    editGroup.addLayer(e.layer);
    var fam = families[e.layerType];
    current = {mode: "new", geometry: e.layer.toGeoJSON().geometry, id: null};
    var choices = cfg.layers.filter(function (l) { return (l.families || [l.geometry]).indexOf(fam) >= 0; });
    side.textContent = "";
    side.appendChild(el("h4", {}, T.newFeature));
    var pick = el("select", {name: "layer", id: "gp-edit-layer"});
    pick.appendChild(el("option", {value: ""}, T.chooseLayer));
    choices.forEach(function (l) { pick.appendChild(el("option", {value: l.name}, l.title)); });
    var row = el("label", {"class": "gp-field"});
    row.appendChild(el("span", {}, T.layer + " *"));
    row.appendChild(pick);
    side.appendChild(row);
    var holder = el("div", {id: "gp-edit-fields"});
    side.appendChild(holder);
    side.appendChild(el("ul", {id: "gp-edit-warnings", "class": "gp-warnings", role: "status"}));
    var bar = el("div", {"class": "gp-actions"});
    bar.appendChild(button("gp-edit-save", T.save, saveNew, "gp-primary"));
    bar.appendChild(button("gp-edit-close", T.cancel, closePanel));
    side.appendChild(bar);
    side.appendChild(el("div", {id: "gp-edit-message", role: "status", "aria-live": "polite"}));
    pick.addEventListener("change", function () {
      if (pick.value) renderFields(holder, specs[pick.value], null);
      else holder.textContent = "";
      check();
    });
    if (choices.length === 1) { pick.value = choices[0].name; renderFields(holder, choices[0], null); check(); }
    openPanel();
    focusFirst();
  });
  function saveNew() {
    var layer = side.querySelector("#gp-edit-layer").value;
    if (!layer) { message("error", [T.chooseLayer]); return; }
    var btn = side.querySelector("#gp-edit-save");
    if (!begin(btn)) return;
    var state = current;
    fetch(api + "/collections/" + encodeURIComponent(layer) + "/items", {
      method: "POST",
      headers: headers({"Content-Type": "application/geo+json"}),
      body: JSON.stringify({type: "Feature", geometry: state.geometry, properties: collect()})
    }).then(function (resp) {
      if (!resp.ok) return refused(resp, layer);
      var change = resp.headers.get("Geoplan-Change"), etag = resp.headers.get("ETag");
      return resp.json().then(function (saved) {
        editGroup.clearLayers();
        var entry = entryFor(layer);
        if (entry) putShown(entry, saved);
        if (current !== state) return;
        Object.assign(state, {mode: "edit", spec: specs[layer], entry: entry, id: String(saved.id), feature: saved,
                              etag: etag, geometry: null});
        if (entry) {
          renderFeature();
          state.highlight = highlightShown(entry, state.id);
        }
        message("ok", [T.saved + " (" + saved.id + ")"], undoButton(change));
      });
    }).catch(function (err) { message("error", [T.failed, String(err)]); }).then(function () {
      end(side.querySelector("#gp-edit-save"));
    });
  }

  // ------------------------------------------------------------------ sign-in (one per browser session)
  var account = L.control({position: "topright"}), accountBox;
  account.onAdd = function () {
    accountBox = L.DomUtil.create("div", "leaflet-bar gp-account");
    L.DomEvent.disableClickPropagation(accountBox);
    return accountBox;
  };
  account.addTo(map);
  function renderAccount() {
    accountBox.textContent = "";
    if (role) {
      accountBox.appendChild(el("span", {id: "gp-whoami"}, (role === "planner" ? T.planner : T.viewer) + " " +
        (cfg.me || "")));
      accountBox.appendChild(button("gp-signout", T.signout, function () {
        sessionStorage.removeItem(TOKEN);
        whoami();
      }));
    } else if (writable) {
      accountBox.appendChild(button("gp-signin", T.signin, openSignIn));
    }
  }
  var dialog = null;
  function openSignIn() {
    if (dialog) return;
    dialog = el("div", {id: "gp-signin-dialog", "class": "gp-dialog", role: "dialog", "aria-modal": "true",
                        "aria-labelledby": "gp-signin-title"});
    var form = el("form", {"class": "gp-box"});
    form.appendChild(el("h4", {id: "gp-signin-title"}, T.signinTitle));
    form.appendChild(el("p", {}, T.signinHelp));
    var input = el("input", {type: "password", id: "gp-signin-token", autocomplete: "current-password",
                             "aria-label": T.token});
    form.appendChild(input);
    var bar = el("div", {"class": "gp-actions"});
    bar.appendChild(el("button", {type: "submit", id: "gp-signin-ok", "class": "gp-primary"}, T.signin));
    bar.appendChild(button("gp-signin-cancel", T.cancel, closeSignIn));
    form.appendChild(bar);
    form.appendChild(el("div", {id: "gp-signin-message", role: "alert"}));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var value = input.value.trim();
      if (!value) return;
      fetch(api + "/whoami", {headers: {"Accept": "application/json", "Authorization": "Bearer " + value}})
        .then(function (resp) {
          if (!resp.ok) {
            form.querySelector("#gp-signin-message").textContent = T.badToken;
            return;
          }
          return resp.json().then(function (me) {
            sessionStorage.setItem(TOKEN, value);
            closeSignIn();
            apply(me);
          });
        });
    });
    dialog.appendChild(form);
    L.DomEvent.disableClickPropagation(dialog);
    document.body.appendChild(dialog);
    input.focus();
  }
  function closeSignIn() {
    if (dialog) dialog.remove();
    dialog = null;
  }
  function apply(me) {
    role = me.role;
    writable = me.writable;
    cfg.me = me.name;
    drawTools(role === "planner");
    renderAccount();
    if (current && current.mode === "edit" && current.feature) renderFeature();
    root.dataset.role = role || "anonymous";
  }
  function whoami() {
    return fetch(api + "/whoami", {headers: headers({"Accept": "application/json"})}).then(function (resp) {
      if (resp.status === 401) {  // a token revoked since: forget it and ask again
        sessionStorage.removeItem(TOKEN);
        return whoami();
      }
      return resp.json().then(apply);
    });
  }

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    if (dialog) { closeSignIn(); return; }
    if (current && !drawing) closePanel();
  });
  whoami();
};
