/* geoplan: the gap map's page (geoplan/maps/gap.py) — indicator/scenario selector, legend, uncovered points,
 * catchments and village popups, from one compact data object.  Names reach the page only as text. */

/* Catchments on one canvas: the area within r metres of a set of targets — a disc around a point, a round-capped
 * band along a line, a polygon with its band — drawn as one union with a thin outline.  A stroke of width 2r with
 * round caps and joins is exactly that buffer, so nothing is buffered or dissolved on the server: every target is
 * drawn opaque 1 px wider than r, then the same shapes at r, drawn once more as a single mask, take the inside
 * back to the fill's opacity.  Overlaps stay one colour and only the union's edge keeps an outline. */
window.GeoplanReach = L.Layer.extend({
  options: {pane: "gpReach", color: "#3182bd", fillOpacity: 0.12},

  /* `packed`: target layers (compact.py) whose `m` holds, per scenario, the indicators a feature is a target of
   * (null until they are loaded: see setPacked). */
  initialize: function (packed, options) {
    L.setOptions(this, options);
    this._packed = packed;
    this._items = null;
    this._pick = null;
  },

  setPacked: function (packed) {
    this._packed = packed;
    this._items = null;
    if (this._map) this._redraw();
    return this;
  },

  /* Show the catchment of indicator `j` in scenario `s`, `r` metres (null: none). */
  show: function (j, s, r) {
    this._pick = j === null ? null : {j: j, s: s, r: r};
    if (this._map) this._redraw();
    return this;
  },

  onAdd: function (map) {
    if (!map.getPane(this.options.pane)) {
      var pane = map.createPane(this.options.pane);
      pane.style.zIndex = 410;  /* above the village areas, below labels and markers */
      pane.style.pointerEvents = "none";
    }
    this._canvas = L.DomUtil.create("canvas", "gp-reach leaflet-zoom-hide", map.getPane(this.options.pane));
    this._mask = document.createElement("canvas");
    map.on("moveend zoomend resize", this._redraw, this);
    this._redraw();
  },

  onRemove: function (map) {
    map.off("moveend zoomend resize", this._redraw, this);
    L.DomUtil.remove(this._canvas);
    this._canvas = null;
  },

  /* Every target once, projected to zoom-0 pixels: {kind, parts: [[x0, y0, x1, y1, …]], lat, box, m}. */
  _build: function (crs) {
    var items = [];
    function project(c) { var p = crs.latLngToPoint(L.latLng(c[1], c[0]), 0); return [p.x, p.y]; }
    function flat(coords) {
      var out = new Float64Array(coords.length * 2);
      for (var i = 0; i < coords.length; i++) { var p = project(coords[i]); out[2 * i] = p[0]; out[2 * i + 1] = p[1]; }
      return out;
    }
    this._packed.forEach(function (pk) {
      geoplanUnpack(pk).features.forEach(function (f) {
        var g = f.geometry, t = g.type, parts;
        if (t === "Point") parts = [flat([g.coordinates])];
        else if (t === "MultiPoint" || t === "LineString") parts = [flat(g.coordinates)];
        else if (t === "MultiLineString" || t === "Polygon") parts = g.coordinates.map(flat);
        else if (t === "MultiPolygon") parts = [].concat.apply([], g.coordinates).map(flat);
        else return;
        var box = [Infinity, Infinity, -Infinity, -Infinity];
        parts.forEach(function (a) {
          for (var i = 0; i < a.length; i += 2) {
            box[0] = Math.min(box[0], a[i]); box[1] = Math.min(box[1], a[i + 1]);
            box[2] = Math.max(box[2], a[i]); box[3] = Math.max(box[3], a[i + 1]);
          }
        });
        var lat = crs.pointToLatLng(L.point((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), 0).lat;
        var kind = t.indexOf("Point") >= 0 ? "P" : t.indexOf("Line") >= 0 ? "L" : "A";
        items.push({kind: kind, parts: parts, lat: lat, box: box, m: f.properties.m});
      });
    });
    return items;
  },

  _redraw: function () {
    var map = this._map, canvas = this._canvas;
    if (!map || !canvas) return;
    var size = map.getSize(), dpr = window.devicePixelRatio || 1;
    [canvas, this._mask].forEach(function (c) {
      c.width = Math.round(size.x * dpr);
      c.height = Math.round(size.y * dpr);
    });
    canvas.style.width = size.x + "px";
    canvas.style.height = size.y + "px";
    L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
    var ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    var pick = this._pick;
    this.drawn = 0;
    if (!pick || !this._packed) return;
    if (!this._items) this._items = this._build(map.options.crs);
    var scale = Math.pow(2, map.getZoom()), origin = map.getPixelBounds().min, s = pick.s, j = pick.j;
    var chosen = this._items.filter(function (it) {
      var m = it.m && it.m[s];
      return m !== undefined && m !== null && (typeof m === "number" ? ((m >>> j) & 1) === 1 : m.indexOf(j) >= 0);
    });
    /* metres per pixel at zoom 0 on the equator (Leaflet's spherical Mercator, radius 6378137 m) */
    var equator = 2 * Math.PI * 6378137 / 256;
    function pass(c, extra) {
      c.setTransform(dpr, 0, 0, dpr, 0, 0);
      c.lineCap = "round";
      c.lineJoin = "round";
      for (var k = 0; k < chosen.length; k++) {
        var it = chosen[k], rp = pick.r * scale / (equator * Math.cos(it.lat * Math.PI / 180)) + extra;
        if (it.box[2] * scale - origin.x < -rp || it.box[0] * scale - origin.x > size.x + rp ||
            it.box[3] * scale - origin.y < -rp || it.box[1] * scale - origin.y > size.y + rp) continue;
        c.beginPath();
        for (var q = 0; q < it.parts.length; q++) {
          var a = it.parts[q];
          for (var i = 0; i < a.length; i += 2) {
            var x = a[i] * scale - origin.x, y = a[i + 1] * scale - origin.y;
            if (it.kind === "P") { c.moveTo(x + rp, y); c.arc(x, y, rp, 0, 2 * Math.PI); }
            else if (i === 0) c.moveTo(x, y);
            else c.lineTo(x, y);
          }
          if (it.kind === "A") c.closePath();
        }
        if (it.kind === "P") { c.fill(); continue; }
        if (it.kind === "A") c.fill("evenodd");
        c.lineWidth = 2 * rp;
        c.stroke();
      }
    }
    ctx.fillStyle = ctx.strokeStyle = this.options.color;
    pass(ctx, 1);
    var mask = this._mask.getContext("2d");
    mask.setTransform(1, 0, 0, 1, 0, 0);
    mask.clearRect(0, 0, this._mask.width, this._mask.height);
    mask.fillStyle = mask.strokeStyle = "#000";
    pass(mask, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalCompositeOperation = "destination-out";
    ctx.globalAlpha = 1 - this.options.fillOpacity;
    ctx.drawImage(this._mask, 0, 0);
    ctx.globalCompositeOperation = "source-over";
    ctx.globalAlpha = 1;
    this.drawn = chosen.length;
  }
});

/* The gap map: `cfg` holds the labels and classes, `data` the packed uncovered points (`m`: per scenario the
 * indicators failed, a bit mask or a list of indices), the catchment targets, and the village tables (`rows`:
 * per indicator and scenario the indices of value, target and gap in `strings`).  A served map has neither of the
 * last two: it fetches the catchments when their layer is first shown, the tables at the first popup. */
window.geoplanGapMap = function (map, villages, uncoveredGroup, catchmentGroup, cfg, data) {
  "use strict";
  var measure = cfg.measures[0][0], scenario = cfg.scenarios[0][0], S = cfg.scenarios.length;
  var keys = cfg.measures.slice(1).map(function (m) { return m[0]; });
  var uncovered = null, detailZoom = cfg.detailZoom;  /* decoded when first drawn (a county's: once zoomed in) */
  var catchments = data.catchments, tables = data.tables, loading = {};
  var reach = catchments || cfg.catchmentsUrl ? new GeoplanReach(catchments ? catchments.layers : null) : null;
  if (reach) catchmentGroup.addLayer(reach);

  /* The JSON at `url`, asked for once; `done` runs when it has arrived. */
  function load(url, done) {
    if (loading[url]) return;
    loading[url] = true;
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(url + ": HTTP " + r.status); return r.json(); })
      .then(done)
      .catch(function (e) { loading[url] = false; map.fire("gp:failed", {error: String(e)}); });
  }
  function showReach() {
    if (!reach) return;
    if (!catchments) {
      if (map.hasLayer(catchmentGroup)) {
        load(cfg.catchmentsUrl, function (d) { catchments = d; reach.setPacked(d.layers); showReach(); });
      }
      return;
    }
    var j = catchments.keys.indexOf(measure);
    reach.show(j < 0 ? null : j, scenarioIndex(), j < 0 ? 0 : catchments.radius[j]);
  }

  function has(m, j) {
    if (m === undefined || m === null) return false;
    if (j < 0) return typeof m === "number" ? m !== 0 : m.length > 0;
    return typeof m === "number" ? ((m >>> j) & 1) === 1 : m.indexOf(j) >= 0;
  }
  function scenarioIndex() { return cfg.scenarios.findIndex(function (s) { return s[0] === scenario; }); }
  function measureIndex() { return cfg.measures.findIndex(function (m) { return m[0] === measure; }); }
  function classOf(p, mi, si) { return p.k ? cfg.classes[p.k[mi * S + si]] : "not_assessed"; }
  function colour(c) { return cfg.colors[c] || "#bdbdbd"; }

  function tooltip(layer) {
    var p = layer.feature.properties, m = p.m[scenarioIndex()];
    var which = keys.filter(function (k, j) { return has(m, j); }).map(function (k) { return cfg.labels[k]; });
    var parts = [p.name, which.join("、")];
    if (p.households) parts.push(p.households + cfg.hh);
    return geoplanText(parts.filter(function (x) { return x !== undefined && x !== null && x !== ""; }).join(" · "));
  }
  /* A served map with many: the points in and around the view, fetched by bounding box (then drawUncovered). */
  var fetched = null, pending = null;
  function fetchUncovered(view) {
    if (pending) pending.abort();
    var area = view.pad(0.3), ask = new AbortController();
    pending = ask;
    var url = cfg.uncoveredUrl + "?bbox=" +
      [area.getWest(), area.getSouth(), area.getEast(), area.getNorth()].map(function (x) { return x.toFixed(6); });
    fetch(url, {signal: ask.signal, credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(url + ": HTTP " + r.status); return r.json(); })
      .then(function (d) {
        if (pending !== ask) return;
        pending = null;
        uncovered = geoplanUnpack(d.points).features;
        fetched = area;
        drawUncovered();
        uncoveredGroup.fire("gp:loaded", {count: uncovered.length, truncated: d.truncated});
      })
      .catch(function (e) { if (e.name !== "AbortError") map.fire("gp:failed", {error: String(e)}); });
  }
  /* Uncovered points of the measure and scenario; with many, only from `detailZoom` on and near the view. */
  function drawUncovered() {
    uncoveredGroup.clearLayers();
    if (!map.hasLayer(uncoveredGroup) || (detailZoom && map.getZoom() < detailZoom)) return;
    if (cfg.uncoveredUrl && !(fetched && fetched.contains(map.getBounds()))) return fetchUncovered(map.getBounds());
    if (!uncovered) uncovered = geoplanUnpack(data.uncovered).features;
    var j = keys.indexOf(measure), s = scenarioIndex(), view = detailZoom ? map.getBounds().pad(0.3) : null;
    var renderer = cfg.canvas ? geoplanCanvas() : undefined;
    for (var i = 0; i < uncovered.length; i++) {
      var f = uncovered[i], c = f.geometry.coordinates;
      if (!has(f.properties.m[s], j)) continue;
      if (view && !view.contains([c[1], c[0]])) continue;
      var marker = L.circleMarker([c[1], c[0]], {radius: 5, color: "#b2182b", weight: 2, fillColor: "#ef3b2c",
        fillOpacity: 0.9, renderer: renderer});
      marker.feature = f;
      marker.bindTooltip(tooltip);
      uncoveredGroup.addLayer(marker);
    }
  }
  function restyle() {
    var mi = measureIndex(), si = scenarioIndex();
    villages.setStyle(function (f) {
      return {color: "#444", weight: 1.5, fillColor: colour(classOf(f.properties, mi, si)), fillOpacity: 0.65};
    });
    var rows = cfg.legends[measure === "composite" ? "composite" : "status"];
    var html = "<h4>" + geoplanEsc(cfg.labels[measure]) + " · " + geoplanEsc(cfg.scenarioLabels[scenario]) + "</h4>";
    rows.forEach(function (r) {
      html += '<div class="gp-row"><span><svg width="28" height="16"><rect x="2" y="2" width="24"' +
        ' height="12" fill="' + r[1] + '" fill-opacity="0.65" stroke="#444"/></svg></span><span>' +
        geoplanEsc(r[2]) + "</span></div>";
    });
    // What the dots and circles on the map mean (they change with the indicator too).
    html += '<div class="gp-row"><span><svg width="28" height="16"><circle cx="14" cy="8" r="5"' +
      ' fill="#ef3b2c" fill-opacity="0.8" stroke="#b2182b" stroke-width="2"/></svg></span><span>' +
      geoplanEsc(cfg.uncoveredLabel + (detailZoom ? cfg.uncoveredZoomLabel : "")) + "</span></div>";
    if (reach) {
      html += '<div class="gp-row"><span><svg width="28" height="16"><circle cx="14" cy="8" r="7"' +
        ' fill="#3182bd" fill-opacity="0.12" stroke="#3182bd" stroke-width="1"/></svg></span>' +
        "<span>" + geoplanEsc(cfg.catchmentLabel) + "</span></div>";
    }
    document.getElementById("gp-gap-legend").innerHTML = html;
    drawUncovered();
    showReach();
  }
  villages.bindPopup(function (layer) {
    var p = layer.feature.properties, si = scenarioIndex(), rows = "";
    if (!tables) {
      load(cfg.tablesUrl, function (d) {
        tables = d;
        if (villages.isPopupOpen()) villages.getPopup().update();
      });
    }
    var row = tables ? tables.rows[p.code] : null, t = tables ? tables.strings : [];
    keys.forEach(function (k, j) {
      var b = (j * S + si) * 3;
      if (!row || row[b] < 0) return;
      var status = classOf(p, j + 1, si);
      rows += "<tr><td>" + geoplanEsc(cfg.labels[k]) + "</td><td>" + geoplanEsc(t[row[b]]) + "</td><td>" +
        geoplanEsc(t[row[b + 1]]) + '</td><td class="gp-' + status + '">' + geoplanEsc(cfg.statusLabels[status]) +
        "</td><td>" + geoplanEsc(t[row[b + 2]]) + "</td></tr>";
    });
    var score = p.score[si];
    return '<div class="gp-popup"><h4>' + geoplanEsc(p.name) + " · " + geoplanEsc(cfg.scenarioLabels[scenario]) +
      "</h4><div>" + geoplanEsc(cfg.labels.composite) + ": " + (score === null || score === undefined ? "—" :
      score.toFixed(1)) + '</div><table class="gp-table"><tr>' +
      cfg.head.map(function (h) { return "<th>" + geoplanEsc(h) + "</th>"; }).join("") + "</tr>" + rows +
      "</table></div>";
  }, {maxWidth: 520});
  var ctl = L.control({position: "topright"});
  ctl.onAdd = function () {
    var div = L.DomUtil.create("div", "gp-box gp-gap-picker");
    var label = L.DomUtil.create("label", "", div), select = L.DomUtil.create("select", "", label);
    label.insertBefore(document.createTextNode(cfg.measureLabel + " "), select);
    select.id = "gp-measure";
    cfg.measures.forEach(function (m) {
      var o = L.DomUtil.create("option", "", select);
      o.value = m[0];
      o.textContent = m[1];
    });
    cfg.scenarios.forEach(function (s, i) {
      var l = L.DomUtil.create("label", "", div), r = L.DomUtil.create("input", "", l);
      r.type = "radio";
      r.name = "gp-scenario";
      r.value = s[0];
      r.checked = i === 0;
      l.appendChild(document.createTextNode(" " + s[1]));
      div.insertBefore(document.createTextNode(" "), l);
      r.addEventListener("change", function (e) { scenario = e.target.value; restyle(); });
    });
    L.DomEvent.disableClickPropagation(div);
    select.addEventListener("change", function (e) { measure = e.target.value; restyle(); });
    return div;
  };
  ctl.addTo(map);
  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "gp-box gp-legend");
    div.id = "gp-gap-legend";
    return div;
  };
  legend.addTo(map);
  uncoveredGroup.on("add", drawUncovered);
  catchmentGroup.on("add", showReach);
  if (detailZoom) map.on("zoomend moveend", drawUncovered);
  restyle();
};
