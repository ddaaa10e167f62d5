package postgres

// MapErrorForTest lets the external tests map raw SQL errors the way the
// adapter does.
var MapErrorForTest = mapError
