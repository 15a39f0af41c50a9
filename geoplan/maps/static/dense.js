/* geoplan: county-scale drawing — one shared canvas, labels that never overlap, detail layers by zoom and view.
 * Names only ever reach the page through textContent: a label is text, never markup. */

/* The page's one canvas renderer for dense layers (a single <canvas> instead of thousands of SVG paths). */
window.geoplanCanvas = function () {
  "use strict";
  if (!window.geoplanCanvas.renderer) window.geoplanCanvas.renderer = L.canvas({padding: 0.5});
  return window.geoplanCanvas.renderer;
};

/* Permanent labels for the features of `source` (an L.GeoJSON), anchored at each feature's `_l` [lon, lat].
 * A label is shown only where it fits inside its feature's width on screen (so labels appear by zoom, larger
 * features first) and only if its box overlaps no label already placed; the rest stay hidden until zoomed in. */
window.GeoplanLabels = L.Layer.extend({
  options: {pane: "gpLabels", gap: 2},

  initialize: function (source, field, options) {
    L.setOptions(this, options);
    this._source = source;
    this._field = field;
    this._items = null;
  },

  onAdd: function (map) {
    if (!map.getPane(this.options.pane)) {
      var pane = map.createPane(this.options.pane);
      pane.style.zIndex = 450;  /* above areas and lines, below markers and popups */
      pane.style.pointerEvents = "none";
    }
    this._box = L.DomUtil.create("div", "gp-labels leaflet-zoom-hide", map.getPane(this.options.pane));
    if (!this._items) this._build();
    for (var i = 0; i < this._inOrder.length; i++) this._box.appendChild(this._inOrder[i].el);
    this._measure();
    map.on("zoomend moveend resize", this._place, this);
    this._place();
  },

  onRemove: function (map) {
    map.off("zoomend moveend resize", this._place, this);
    L.DomUtil.remove(this._box);
  },

  _build: function () {
    var items = [], field = this._field;
    this._source.eachLayer(function (l) {
      var p = l.feature && l.feature.properties, text = p && p[field];
      if (text === undefined || text === null || text === "" || !p._l) return;
      var el = L.DomUtil.create("div", "gp-label gp-maplabel");
      el.textContent = String(text);
      var b = l.getBounds ? l.getBounds() : null;
      var area = b ? (b.getEast() - b.getWest()) * (b.getNorth() - b.getSouth()) : 0;
      items.push({el: el, at: L.latLng(p._l[1], p._l[0]), bounds: b, area: area, w: 0, h: 0});
    });
    /* The page lists labels in the layer's order; larger features win a contested spot (a stable sort). */
    this._inOrder = items;
    this._items = items.slice().sort(function (a, b) { return b.area - a.area; });
  },

  _measure: function () {
    /* All in the DOM first, then read: one layout for every label rather than one each. */
    var items = this._items, i;
    for (i = 0; i < items.length; i++) { items[i].el.style.visibility = "hidden"; items[i].el.style.display = ""; }
    for (i = 0; i < items.length; i++) { items[i].w = items[i].el.offsetWidth; items[i].h = items[i].el.offsetHeight; }
    for (i = 0; i < items.length; i++) { items[i].el.style.display = "none"; items[i].el.style.visibility = ""; }
  },

  /* Does the label fit inside its feature's width at this zoom? (Points always fit.) */
  _fits: function (item, zoom) {
    if (!item.bounds) return true;
    var map = this._map, sw = map.project(item.bounds.getSouthWest(), zoom),
        ne = map.project(item.bounds.getNorthEast(), zoom);
    return Math.abs(ne.x - sw.x) >= item.w;
  },

  /* The lowest zoom at which any label can show (for the layer control and tests). */
  minZoom: function () {
    var map = this._map, best = Infinity;
    for (var i = 0; i < this._items.length; i++) {
      var it = this._items[i];
      if (!it.bounds) return map.getMinZoom();
      var z = map.getZoom(), sw = map.project(it.bounds.getSouthWest(), z), ne = map.project(it.bounds.getNorthEast(), z);
      var width = Math.abs(ne.x - sw.x);
      if (width > 0) best = Math.min(best, Math.ceil(z + Math.log(it.w / width) / Math.LN2 - 1e-9));
    }
    return best;
  },

  _place: function () {
    var map = this._map;
    if (!map) return;
    var zoom = map.getZoom(), size = map.getSize(), gap = this.options.gap, cell = 64, grid = {}, shown = 0;
    function cells(r, fn) {
      for (var gx = Math.floor(r[0] / cell); gx <= Math.floor(r[2] / cell); gx++) {
        for (var gy = Math.floor(r[1] / cell); gy <= Math.floor(r[3] / cell); gy++) {
          if (fn(gx + ":" + gy) === false) return false;
        }
      }
      return true;
    }
    for (var i = 0; i < this._items.length; i++) {
      var it = this._items[i], show = false, r = null;
      if (this._fits(it, zoom)) {
        var p = map.latLngToContainerPoint(it.at);
        r = [p.x - it.w / 2 - gap, p.y - it.h / 2 - gap, p.x + it.w / 2 + gap, p.y + it.h / 2 + gap];
        var inView = r[2] > 0 && r[3] > 0 && r[0] < size.x && r[1] < size.y;
        show = inView && cells(r, function (key) {
          var placed = grid[key] || [];
          for (var k = 0; k < placed.length; k++) {
            var q = placed[k];
            if (r[0] < q[2] && q[0] < r[2] && r[1] < q[3] && q[1] < r[3]) return false;
          }
          return true;
        });
      }
      if (show) {
        cells(r, function (key) { (grid[key] = grid[key] || []).push(r); });
        L.DomUtil.setPosition(it.el, map.latLngToLayerPoint(it.at).subtract([it.w / 2, it.h / 2]).round());
        it.el.style.display = "";
        shown++;
      } else {
        it.el.style.display = "none";
      }
    }
    this.shown = shown;
  }
});

/* Permanent labels on `layer` (its `field`), shown and hidden with it. */
window.geoplanLabelled = function (layer, field) {
  "use strict";
  var labels = new GeoplanLabels(layer, field);
  layer.gpLabels = labels;
  layer.on("add", function () { layer._map.addLayer(labels); });
  layer.on("remove", function () { labels.remove(); });
  return layer;
};

/* A detail layer (e.g. building footprints): nothing is decoded, fetched or drawn below `opts.minZoom`; from there
 * on only the features near the current view are on the map, added and dropped as the planner pans.  Embedded
 * (`packed`, files) or, on a served map (`opts.items`), fetched by bounding box from the API's items. */
window.geoplanDetail = function (packed, options, opts) {
  "use strict";
  var group = L.featureGroup(), minZoom = opts.minZoom, features = null, boxes = null, made = {}, map = null;
  var fetched = null, pending = null, asking = null;
  group.gpMinZoom = minZoom;

  function bbox(coords, b) {
    if (typeof coords[0] === "number") {
      if (coords[0] < b[0]) b[0] = coords[0];
      if (coords[1] < b[1]) b[1] = coords[1];
      if (coords[0] > b[2]) b[2] = coords[0];
      if (coords[1] > b[3]) b[3] = coords[1];
      return b;
    }
    for (var i = 0; i < coords.length; i++) bbox(coords[i], b);
    return b;
  }
  function make(f) {
    var l = options.pointToLayer && f.geometry.type === "Point"
      ? options.pointToLayer(f, L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]))
      : L.GeoJSON.geometryToLayer(f, options);
    l.feature = f;
    if (l.setStyle && options.style && f.geometry.type !== "Point") l.setStyle(options.style(f));
    return l;
  }
  function clear() {
    group.clearLayers();
    made = {};
  }
  /* Raw API properties shown as the embedded ones are: labels for enum values, 是/否, rounded numbers. */
  function shown(p) {
    var out = {}, values = opts.values || {};
    Object.keys(p).forEach(function (k) {
      var v = p[k], t = values[k];
      if (v === null || v === undefined) return;
      if (typeof t === "number" && typeof v === "number") v = Math.round(v * Math.pow(10, t)) / Math.pow(10, t);
      else if (t && typeof t === "object" && Object.prototype.hasOwnProperty.call(t, String(v))) v = t[String(v)];
      out[k] = v;
    });
    out._s = (opts.keys || []).map(function (k) { return p[k] === null || p[k] === undefined ? "" : String(p[k]); })
      .join("|");
    return out;
  }
  function load(view) {
    var area = view.pad(0.3);
    if ((fetched && fetched.contains(view)) || (pending && asking.contains(view))) return;
    if (pending) pending.abort();
    pending = new AbortController();
    asking = area;
    var url = opts.items + "?limit=10000&bbox=" +
      [area.getWest(), area.getSouth(), area.getEast(), area.getNorth()].map(function (x) { return x.toFixed(6); });
    fetch(url, {signal: pending.signal, credentials: "same-origin", headers: {Accept: "application/geo+json"}})
      .then(function (r) { if (!r.ok) throw new Error(opts.layer + ": HTTP " + r.status); return r.json(); })
      .then(function (fc) {
        pending = null;
        if (!map || map.getZoom() < minZoom) return;
        fetched = area;
        var keep = {};
        fc.features.forEach(function (f) {
          var id = String(f.id);
          keep[id] = true;
          if (made[id]) return;
          made[id] = make({type: "Feature", id: f.id, geometry: f.geometry, properties: shown(f.properties || {})});
          group.addLayer(made[id]);
        });
        Object.keys(made).forEach(function (id) {
          if (!keep[id]) { group.removeLayer(made[id]); delete made[id]; }
        });
        group.fire("gp:loaded", {count: fc.features.length});
      })
      .catch(function (e) {
        if (e.name === "AbortError") return;
        pending = null;
        group.fire("gp:failed", {error: String(e)});
      });
  }
  function update() {
    if (!map) return;
    if (map.getZoom() < minZoom) {
      if (pending) pending.abort();
      pending = null;
      fetched = null;
      clear();
      return;
    }
    if (opts.items) return load(map.getBounds());
    if (!features) {
      features = geoplanUnpack(packed).features;
      boxes = features.map(function (f) { return bbox(f.geometry.coordinates, [Infinity, Infinity, -Infinity, -Infinity]); });
    }
    var v = map.getBounds().pad(0.3), w = v.getWest(), s = v.getSouth(), e = v.getEast(), n = v.getNorth();
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i], near = b[0] <= e && b[2] >= w && b[1] <= n && b[3] >= s;
      if (near && !made[i]) {
        made[i] = make(features[i]);
        group.addLayer(made[i]);
      } else if (!near && made[i]) {
        group.removeLayer(made[i]);
        delete made[i];
      }
    }
  }
  group.on("add", function () {
    map = group._map;
    map.on("zoomend moveend", update);
    update();
  });
  group.on("remove", function () {
    if (map) map.off("zoomend moveend", update);
    map = null;
    fetched = null;
    clear();
  });
  return group;
};
