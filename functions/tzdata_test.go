package functions

// The time-zone tests need the IANA database; embedding it means they run
// on every machine instead of skipping where the system has none.
import _ "time/tzdata"
