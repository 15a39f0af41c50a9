/* geoplan: decode a packed layer (see geoplan/maps/compact.py) into a GeoJSON FeatureCollection. */
window.geoplanUnpack = function (pk) {
  "use strict";
  var c = pk.c, n = c.length / 2, scale = Math.pow(10, pk.s), pts = new Array(n), x = 0, y = 0, i, j;
  for (i = 0; i < n; i++) {
    x += c[2 * i]; y += c[2 * i + 1];
    pts[i] = [Math.round(x) / scale, Math.round(y) / scale];
  }
  var o = pk.o;
  function run(off, a, b, inner) {
    var out = [];
    for (var k = a; k < b; k++) out.push(inner(off[k], off[k + 1]));
    return out;
  }
  function coords(a, b) { return pts.slice(a, b); }
  function rings(a, b) { return run(o[0], a, b, coords); }
  function polys(a, b) { return run(o[1], a, b, rings); }
  var geom = {
    POINT: function (k) { return {type: "Point", coordinates: pts[k]}; },
    LINESTRING: function (k) { return {type: "LineString", coordinates: coords(o[0][k], o[0][k + 1])}; },
    POLYGON: function (k) { return {type: "Polygon", coordinates: rings(o[1][k], o[1][k + 1])}; },
    MULTIPOINT: function (k) { return {type: "MultiPoint", coordinates: coords(o[0][k], o[0][k + 1])}; },
    MULTILINESTRING: function (k) {
      return {type: "MultiLineString", coordinates: run(o[0], o[1][k], o[1][k + 1], coords)};
    },
    MULTIPOLYGON: function (k) { return {type: "MultiPolygon", coordinates: polys(o[2][k], o[2][k + 1])}; }
  }[pk.g];
  var features = [];
  for (i = 0; i < pk.p.length; i++) {
    var props = {}, row = pk.p[i];
    for (j = 0; j < pk.k.length; j++) if (row[j] !== null && row[j] !== undefined) props[pk.k[j]] = row[j];
    features.push({type: "Feature", geometry: geom(i), properties: props});
  }
  return {type: "FeatureCollection", features: features};
};

/* Names are typed by planners: hostile text. Leaflet puts a string tooltip/popup in as HTML, so anything a
   person typed goes in as a DOM text node (geoplanText) or escaped (geoplanEsc), never as markup. */
window.geoplanEsc = function (v) {
  "use strict";
  return String(v).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
  });
};
window.geoplanText = function (v) {
  "use strict";
  var span = document.createElement("span");
  span.textContent = String(v);
  return span;
};

/* A catalogue layer: packed data, a style table keyed by the feature's `_s`, icon or circle markers.
 * Dense layers draw on the page's one canvas (dense.js); detail layers (opts.minZoom) only from that zoom, near
 * the view; `opts.label` names the property shown as a non-overlapping permanent label. */
window.geoplanLayer = function (packed, styles, opts) {
  "use strict";
  var cls = "gp-layer-" + opts.layer;
  function style(f) { return Object.assign({}, styles["default"], styles.table[f.properties._s] || {}); }
  var o = {style: style, className: cls};
  if (opts.canvas) o.renderer = geoplanCanvas();
  if (opts.marker === "icon") {
    o.pointToLayer = function (f, ll) {
      return L.marker(ll, {icon: L.divIcon({className: "gp-marker gp-marker-" + opts.layer, html: style(f).html,
        iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10]})});
    };
  } else if (opts.marker === "circle") {
    o.pointToLayer = function (f, ll) {
      var s = style(f);
      s.className = cls;
      if (o.renderer) s.renderer = o.renderer;
      return L.circleMarker(ll, s);
    };
  }
  if (opts.minZoom) return geoplanDetail(packed, o, opts);
  var layer = L.geoJson(geoplanUnpack(packed), o);
  // The live map's editor finds catalogue layers here (to select, restyle and update features in place).
  (window.geoplanLayers = window.geoplanLayers || []).push({name: opts.layer, geo: layer, styles: styles});
  return opts.label ? geoplanLabelled(layer, opts.label) : layer;
};

/* A popup table of labelled fields (with units), skipping values a feature does not have. */
window.geoplanPopup = function (fields, aliases, title) {
  "use strict";
  var esc = geoplanEsc;
  return function (layer) {
    var p = layer.feature.properties, rows = "";
    for (var i = 0; i < fields.length; i++) {
      var v = p[fields[i]];
      if (v === undefined || v === null || v === "") continue;
      rows += "<tr><th>" + esc(aliases[i]) + "</th><td>" + esc(v) + "</td></tr>";
    }
    return '<div class="gp-popup">' + (title ? "<h4>" + esc(title) + "</h4>" : "") + "<table>" + rows +
      "</table></div>";
  };
};

/* Layer list and legend in one collapsible panel: a button toggles them; at phone width they start closed and
   open as a bottom sheet, so the map keeps the screen. */
window.geoplanPanels = function (map, labels) {
  "use strict";
  var root = map.getContainer(), narrow = window.matchMedia("(max-width: 600px)");
  var control = L.control({position: "topright"}), button;
  control.onAdd = function () {
    var div = L.DomUtil.create("div", "leaflet-bar gp-panels-toggle");
    button = L.DomUtil.create("button", "", div);
    button.type = "button";
    button.id = "gp-panels-toggle";
    button.textContent = labels.panels;
    button.title = labels.panels;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.on(button, "click", function () { set(root.classList.contains("gp-panels-closed")); });
    return div;
  };
  function set(open) {
    root.classList.toggle("gp-panels-closed", !open);
    if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  control.addTo(map);
  set(!narrow.matches);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && narrow.matches && !root.classList.contains("gp-panels-closed") &&
        !document.querySelector(".gp-side.gp-open")) set(false);
  });
};
