/* Dataset Atlas polar maps: EPSG:3413 (Arctic) and EPSG:3031 (Antarctic) for Leaflet.
 *
 * Loaded after leaflet.js, proj4.js and proj4leaflet.js (vendored under static/), before the
 * map script: folium writes `crs: L.CRS.EPSG3413`, so the CRSs must exist by then. The
 * proj4 definitions equal dataset_atlas.geometry.PROJECTIONS (a test compares them).
 * Tiles are never used: the square +-4194304 m is the NSIDC/Earthdata grid, zoom 0 is
 * 32768 m per pixel.
 */
(function () {
  "use strict";

  var HALF = 4194304;
  var DEFS = {
    EPSG3413: ["EPSG:3413", "+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"],
    EPSG3031: ["EPSG:3031", "+proj=stere +lat_0=-90 +lat_ts=-71 +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"]
  };
  var resolutions = [];
  for (var i = 0; i < 16; i++) { resolutions.push(2 * HALF / 256 / Math.pow(2, i)); }
  Object.keys(DEFS).forEach(function (key) {
    L.CRS[key] = new L.Proj.CRS(DEFS[key][0], DEFS[key][1], {
      origin: [-HALF, HALF],
      resolutions: resolutions,
      bounds: L.bounds([-HALF, -HALF], [HALF, HALF])
    });
  });

  function isPolar(map) {
    return !!(map && map.options.crs && map.options.crs.projection instanceof L.Proj.Projection);
  }

  function screenCorners(map, a, b) {
    // A rectangle on the screen is a rectangle on the projected plane (north up there):
    // its four corners, as lat/lng. A LatLngBounds of two corners would be another shape.
    var crs = map.options.crs, pa = crs.projection.project(a), pb = crs.projection.project(b);
    return [[pa.x, pa.y], [pb.x, pa.y], [pb.x, pb.y], [pa.x, pb.y]].map(function (p) {
      return crs.projection.unproject(L.point(p[0], p[1]));
    });
  }

  function patchDraw() {
    // Leaflet.draw's rectangle is a lon/lat box: near a pole it is not what was dragged,
    // and a drag around the pole collapses. In polar maps it draws the dragged rectangle.
    if (!L.Draw || !L.Draw.Rectangle || L.Draw.Rectangle.prototype._atlasPolar) { return; }
    var proto = L.Draw.Rectangle.prototype;
    var drawShape = proto._drawShape, fireCreated = proto._fireCreatedEvent;
    proto._atlasPolar = true;
    proto._drawShape = function (latlng) {
      if (!isPolar(this._map)) { return drawShape.call(this, latlng); }
      var corners = screenCorners(this._map, this._startLatLng, latlng);
      if (!this._shape) {
        this._shape = new L.Polygon(corners, this.options.shapeOptions);
        this._map.addLayer(this._shape);
      } else {
        this._shape.setLatLngs(corners);
      }
    };
    proto._fireCreatedEvent = function () {
      if (!isPolar(this._map)) { return fireCreated.call(this); }
      var polygon = new L.Polygon(this._shape.getLatLngs(), this.options.shapeOptions);
      L.Draw.SimpleShape.prototype._fireCreatedEvent.call(this, polygon);
    };
  }

  function setup(map) {
    // streamlit-folium reports map.getBounds() as the view. In a polar map the two corners
    // of a LatLngBounds (min/max lat and lng) lose the view; report the bottom-left and
    // top-right screen corners as they are, so the server can rebuild the view rectangle
    // on the projected plane (dataset_atlas.geometry.view_bbox).
    map.getBounds = function () {
      var size = this.getSize();
      var bounds = L.latLngBounds(this.containerPointToLatLng([0, size.y]), this.containerPointToLatLng([0, size.y]));
      bounds._southWest = this.containerPointToLatLng([0, size.y]);
      bounds._northEast = this.containerPointToLatLng([size.x, 0]);
      return bounds;
    };
    map.getContainer().setAttribute("data-atlas-crs", map.options.crs.code);
    patchDraw();
  }

  function addImage(group, url, bounds, options) {
    // bounds: [xmin, ymin, xmax, ymax] in the map's CRS (metres): the quicklook's own grid.
    var overlay = L.Proj.imageOverlay(url, L.bounds([bounds[0], bounds[1]], [bounds[2], bounds[3]]), options);
    group.addLayer(overlay);
    return overlay;
  }

  window.DatasetAtlasPolar = {setup: setup, addImage: addImage, isPolar: isPolar};
})();
