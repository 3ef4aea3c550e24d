/** Who may do what: roles and the principal a statement runs as. */
package org.deepbase.engine.security;
