/* geoplan drawing panel: draw a point/line/polygon, pick its layer, fill the catalogue's fields, save through
   the API (POST /collections/{layer}/items with a planner token).  Validation errors are shown in the panel. */
window.geoplanDrawing = function (map, cfg) {
  "use strict";
  var T = cfg.text, drawn = new L.FeatureGroup().addTo(map), geometry = null, family = null;
  var families = {marker: "point", polyline: "line", polygon: "polygon"};
  new L.Control.Draw({
    position: "topleft",
    draw: {polyline: {}, polygon: {allowIntersection: false}, marker: {}, rectangle: false, circle: false,
           circlemarker: false},
    edit: {featureGroup: drawn, edit: false, remove: false}
  }).addTo(map);

  var panel = L.control({position: "topleft"});
  var box;
  panel.onAdd = function () {
    box = L.DomUtil.create("div", "gp-box gp-draw");
    box.id = "gp-draw-panel";
    box.style.display = "none";
    box.style.minWidth = "260px";
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  panel.addTo(map);

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function message(kind, lines) {
    var div = box.querySelector("#gp-draw-message");
    div.className = "gp-msg gp-msg-" + kind;
    div.textContent = "";
    lines.forEach(function (line) { div.appendChild(el("div", {}, line)); });
  }
  function fieldInput(f) {
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
    input.dataset.type = f.type;
    return input;
  }
  function renderFields(layerName) {
    var holder = box.querySelector("#gp-draw-fields");
    holder.textContent = "";
    var spec = cfg.layers.filter(function (l) { return l.name === layerName; })[0];
    if (!spec) return;
    spec.fields.forEach(function (f) {
      var row = el("label", {"class": "gp-field"});
      row.appendChild(el("span", {}, f.label + (f.required ? " *" : "")));
      row.appendChild(fieldInput(f));
      holder.appendChild(row);
    });
  }
  function open(fam) {
    var choices = cfg.layers.filter(function (l) { return (l.families || [l.geometry]).indexOf(fam) >= 0; });
    box.textContent = "";
    box.appendChild(el("h4", {}, T.title));
    var pick = el("select", {name: "layer", id: "gp-draw-layer"});
    choices.forEach(function (l) { pick.appendChild(el("option", {value: l.name}, l.title)); });
    var layerRow = el("label", {"class": "gp-field"});
    layerRow.appendChild(el("span", {}, T.layer));
    layerRow.appendChild(pick);
    box.appendChild(layerRow);
    box.appendChild(el("div", {id: "gp-draw-fields"}));
    var tokenRow = el("label", {"class": "gp-field"});
    tokenRow.appendChild(el("span", {}, T.token));
    var token = el("input", {type: "password", name: "token", id: "gp-draw-token", autocomplete: "off"});
    token.value = sessionStorage.getItem("geoplan.token") || "";
    tokenRow.appendChild(token);
    box.appendChild(tokenRow);
    var save = el("button", {type: "button", id: "gp-draw-save"}, T.save);
    var cancel = el("button", {type: "button", id: "gp-draw-cancel"}, T.cancel);
    box.appendChild(save);
    box.appendChild(cancel);
    box.appendChild(el("div", {id: "gp-draw-message", role: "alert"}));
    pick.addEventListener("change", function () { renderFields(pick.value); });
    renderFields(pick.value);
    save.addEventListener("click", submit);
    cancel.addEventListener("click", close);
    box.style.display = "block";
  }
  function close() {
    drawn.clearLayers();
    geometry = null;
    box.style.display = "none";
  }
  function collect() {
    var props = {};
    box.querySelectorAll("#gp-draw-fields [name]").forEach(function (input) {
      var raw = input.value.trim(), type = input.dataset.type;
      if (raw === "") return;
      if (type === "integer") props[input.name] = Number.isInteger(Number(raw)) ? Number(raw) : raw;
      else if (type === "number") props[input.name] = isNaN(Number(raw)) ? raw : Number(raw);
      else if (type === "boolean") props[input.name] = raw === "true";
      else props[input.name] = raw;
    });
    return props;
  }
  function submit() {
    var layer = box.querySelector("#gp-draw-layer").value;
    var token = box.querySelector("#gp-draw-token").value.trim();
    sessionStorage.setItem("geoplan.token", token);
    var body = {type: "Feature", geometry: geometry, properties: collect()};
    message("info", [T.saving]);
    fetch(cfg.api + "/collections/" + encodeURIComponent(layer) + "/items", {
      method: "POST",
      headers: {"Content-Type": "application/geo+json", "Accept": "application/geo+json",
                "Authorization": "Bearer " + token},
      body: JSON.stringify(body)
    }).then(function (resp) {
      if (resp.status === 201) {
        sessionStorage.setItem("geoplan.saved", resp.headers.get("Location") || layer);
        message("ok", [T.saved]);
        window.location.reload();
        return;
      }
      return resp.text().then(function (text) {
        var problem = {};
        try { problem = JSON.parse(text); } catch (e) { problem = {detail: text}; }
        var lines = [T.failed + " (" + resp.status + ")"];
        var listed = (problem.problems || []).map(function (p) {
          var label = p.field ? (cfg.labels[layer + "." + p.field] || p.field) + ": " : "";
          return label + p.message;
        });
        if (listed.length) lines = lines.concat(listed);
        else if (problem.detail) lines.push(problem.detail);
        else if (problem.title) lines.push(problem.title);
        message("error", lines);
      });
    }).catch(function (err) { message("error", [T.failed, String(err)]); });
  }
  map.on(L.Draw.Event.CREATED, function (e) {
    drawn.clearLayers();
    drawn.addLayer(e.layer);
    geometry = e.layer.toGeoJSON().geometry;
    family = families[e.layerType];
    open(family);
  });
  var saved = sessionStorage.getItem("geoplan.saved");
  if (saved) {
    sessionStorage.removeItem("geoplan.saved");
    var note = L.DomUtil.create("div", "gp-notice gp-saved", map.getContainer());
    note.id = "gp-saved-notice";
    note.style.top = "50px";
    note.textContent = T.saved + " " + saved;
    setTimeout(function () { note.remove(); }, 8000);
  }
};
