//! Maps: a component that shows pins on a Leaflet map (loaded only where a map is
//! shown), over the tiles the operator configured. The pins are also listed as text, so
//! the page says where things are before the map loads, without tiles, and to screen
//! readers.

mod location_map;

pub use location_map::LocationMap;
