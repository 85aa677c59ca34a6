/* Dataset Atlas map helpers (served from static/, no dependencies beyond Leaflet).
 *
 * The Python side (dataset_atlas.maps) sends compact JSON and calls these functions, so
 * the per-map script stays small and every style lives in one place. All text in
 * tooltips arrives already HTML-escaped by the server; nothing here builds HTML from
 * raw catalog text.
 */
(function () {
  "use strict";

  var STYLE = {
    boxWeight: 1.2,
    boxFillOpacity: 0.07,
    fullTintShare: 0.02,
    selectedColor: "#d6005c",
    selectedWeight: 3.5,
    sharedWeight: 2.2,
    dash: "6 4"
  };

  function fillOpacity(boxes, viewArea, knownArea) {
    // A box is tinted by the share of the view it covers: small boxes keep the full tint,
    // a box over most of the view gets almost none (hundreds of them stacked would hide the
    // basemap). Without a view (a dataset's own map) the share of a world-sized area is used.
    // Polar shapes ("g") come with their lon/lat area (square degrees) from the server.
    var area = knownArea || 0;
    if (!knownArea) {
      boxes.forEach(function (b) { area += Math.abs((b[2] - b[0]) * (b[3] - b[1])); });
    }
    var share = area / (viewArea || 60000);
    return Math.max(0, STYLE.boxFillOpacity * Math.min(1, STYLE.fullTintShare / Math.max(share, 1e-9)));
  }

  function boxesToLatLngs(boxes) {
    // boxes: [[south, west, north, east], ...] -> one multipolygon (one layer, one click).
    return boxes.map(function (b) {
      return [[[b[0], b[1]], [b[0], b[3]], [b[2], b[3]], [b[2], b[1]]]];
    });
  }

  function addBasemap(map, url) {
    // The basemap is fetched (and cached by the browser) instead of being embedded in the
    // map script: reruns then stay cheap and the file is shared by every map on the page.
    if (!map.getPane("atlasBasemap")) {
      map.createPane("atlasBasemap");
      map.getPane("atlasBasemap").style.zIndex = 150;  // below tiles (200) and overlays
    }
    map.getContainer().classList.add("atlas-ocean");
    var polar = !!(window.DatasetAtlasPolar && window.DatasetAtlasPolar.isPolar(map));
    fetch(url)
      .then(function (r) {
        if (!r.ok) { throw new Error("basemap HTTP " + r.status); }
        return r.json();
      })
      .then(function (data) {
        L.geoJSON(data, {
          pane: "atlasBasemap",
          interactive: false,  // clicks must go to dataset extents only
          style: function (f) {
            var layer = f.properties.layer;
            if (layer === "land") {
              // Polar basemaps stroke the coast separately: their land rings run along the
              // antimeridian and the pole, edges that must not show.
              return {stroke: !polar, color: "#9fb3bf", weight: 0.6, fill: true,
                      fillColor: "#f5f3ee", fillOpacity: 1};
            }
            if (layer === "coast") { return {color: "#9fb3bf", weight: 0.6, fill: false}; }
            if (layer === "graticule") { return {color: "#b4c6d2", weight: 0.5, dashArray: "2 3", fill: false}; }
            return {color: "#c3b9a8", weight: 0.6, fill: false};
          }
        }).addTo(map);
        map.getContainer().setAttribute("data-atlas-basemap", "drawn");
      })
      .catch(function (err) {
        map.getContainer().setAttribute("data-atlas-basemap", "failed");
        console.warn("Dataset Atlas basemap not loaded:", err);
      });
  }

  function addExtents(group, data) {
    // data.f: [kind, geometry, paletteIndex, flags, tooltipHtml]
    //   kind "b": geometry = list of boxes; kind "p": geometry = [lat, lon]
    //   kind "g": geometry = polygons (lists of rings of [lat, lon], densified on the server
    //             for a polar map), f[5] = the extent's area in square degrees (for the tint)
    //   flags: 1 = approximate (dashed), 2 = selected, 4 = shared by several datasets
    var palette = data.c;
    data.f.forEach(function (f) {
      var color = palette[f[2]];
      var approximate = (f[3] & 1) !== 0;
      var selected = (f[3] & 2) !== 0;
      var shared = (f[3] & 4) !== 0;
      var layer;
      if (f[0] === "p") {
        layer = L.circleMarker(f[1], {
          radius: selected ? 7 : 5,
          color: selected ? STYLE.selectedColor : "#ffffff",
          weight: selected ? 3 : 1,
          fillColor: color,
          fillOpacity: 0.9,
          dashArray: approximate ? "3 2" : null
        });
      } else {
        layer = L.polygon(f[0] === "g" ? f[1] : boxesToLatLngs(f[1]), {
          color: selected ? STYLE.selectedColor : color,
          weight: selected ? STYLE.selectedWeight : (shared ? STYLE.sharedWeight : STYLE.boxWeight),
          fillColor: color,
          fillOpacity: selected ? 0.15 : fillOpacity(f[0] === "g" ? [] : f[1], data.v, f[0] === "g" ? f[5] : 0),
          dashArray: approximate ? STYLE.dash : null
        });
      }
      layer.bindTooltip(f[4], {sticky: true, className: "atlas-tooltip", direction: "auto"});
      group.addLayer(layer);
    });
  }

  function addCells(group, data) {
    // data.k: [lat, lon, count, tooltipHtml, [south, west, north, east]]; sized by
    // log(count) so 1 and 10,000 both read. A click zooms to the cell (it never selects:
    // the server ignores clicks whose tooltip carries the cell mark).
    data.k.forEach(function (k) {
      var size = Math.round(22 + 6 * Math.log10(Math.max(1, k[2])));
      var label = k[2] >= 10000 ? Math.round(k[2] / 1000) + "k" : String(k[2]);
      var marker = L.marker([k[0], k[1]], {
        icon: L.divIcon({
          className: "atlas-cell",
          html: "<span>" + label + "</span>",
          iconSize: [size, size]
        }),
        keyboard: false,
        riseOnHover: true
      });
      marker.bindTooltip(k[3], {className: "atlas-tooltip", direction: "top"});
      marker.on("click", function () {
        var map = marker._map;
        if (!map) { return; }
        var b = k[4];
        var target = L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
        // At least two zoom levels deeper, so the cell really splits.
        var zoom = Math.max(map.getBoundsZoom(target), map.getZoom() + 2);
        map.setView(L.latLng(k[0], k[1]), Math.min(zoom, map.getMaxZoom() || 18));
      });
      group.addLayer(marker);
    });
  }

  var CoverLayer = L.Layer.extend({
    // A corner box that lives as long as the feature group that holds it: streamlit-folium
    // removes the old group on every update, which removes this box with it.
    initialize: function (data) { this._data = data; },
    onAdd: function (map) {
      var data = this._data;
      var control = L.control({position: "topright"});
      control.onAdd = function () {
        var box = L.DomUtil.create("div", "atlas-cover leaflet-bar");
        var head = L.DomUtil.create("button", "atlas-cover-head", box);
        head.type = "button";
        head.innerHTML = data.h;  // escaped on the server
        var list = L.DomUtil.create("div", "atlas-cover-list", box);
        list.hidden = true;
        // data.l: escaped lines (section heads in <b>, then titles) from the server.
        var html = data.l.map(function (line) { return "<div>" + line + "</div>"; }).join("");
        html += "<div class=\"atlas-q\">" + data.f + "</div>";
        list.innerHTML = html;
        head.addEventListener("click", function () { list.hidden = !list.hidden; });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      };
      control.addTo(map);
      this._control = control;
    },
    onRemove: function () {
      if (this._control) { this._control.remove(); this._control = null; }
    }
  });

  function setCover(group, data) {
    group.addLayer(new CoverLayer(data));
  }

  // The web-map convention for the wheel: over a map it scrolls the page, and zooms only
  // once the map has been clicked (until the pointer leaves it) or with Ctrl held. Leaflet's
  // own handler maps wheel pixels to zoom non-linearly (three notches went from the world to
  // 10 km); here one notch (~100 px, or one line/page) is one zoom level, and the notches of
  // one burst (a trackpad sends dozens of small events) are summed, never more than WHEEL_MAX.
  var WHEEL_PX = 100, WHEEL_DEBOUNCE_MS = 60, WHEEL_MAX = 3;

  function gateWheel(map) {
    map.scrollWheelZoom.disable();
    var box = map.getContainer(), active = false, sum = 0, timer = null, at = null;
    function on() { active = true; box.setAttribute("data-atlas-wheel", "on"); }
    function off() { active = false; box.setAttribute("data-atlas-wheel", "off"); }
    off();
    box.addEventListener("mousedown", on);
    box.addEventListener("mouseleave", off);
    box.addEventListener("wheel", function (ev) {
      if (!active && !ev.ctrlKey) { return; }  // the page scrolls
      ev.preventDefault();
      ev.stopPropagation();
      var px = ev.deltaMode === 1 ? ev.deltaY * 33 : ev.deltaMode === 2 ? ev.deltaY * WHEEL_PX : ev.deltaY;
      sum += px;
      at = map.mouseEventToLatLng(ev);
      clearTimeout(timer);
      timer = setTimeout(function () {
        var steps = Math.max(1, Math.min(WHEEL_MAX, Math.round(Math.abs(sum) / WHEEL_PX)));
        var zoom = map.getZoom() + (sum < 0 ? steps : -steps);
        sum = 0;
        zoom = Math.max(map.getMinZoom(), Math.min(map.getMaxZoom(), zoom));
        if (zoom !== map.getZoom()) { map.setZoomAround(at, zoom); }
      }, WHEEL_DEBOUNCE_MS);
    }, {passive: false});
  }

  L.Map.addInitHook(function () {
    if (this.options.scrollWheelZoom !== false) { gateWheel(this); }
  });

  window.DatasetAtlas = {addBasemap: addBasemap, addExtents: addExtents, addCells: addCells,
                         setCover: setCover};
})();
