/**
 * Tables of the remaining served kinds: coordination.k8s.io Leases (NAME HOLDER AGE) and
 * discovery.k8s.io EndpointSlices (NAME ADDRESSTYPE PORTS ENDPOINTS AGE), plus the generic
 * NAME AGE table for any kind without a printer of its own.
 */
import { array, listWithMore, record, since, str } from './format'
import { ageColumn, column, nameColumn, type TablePrinter } from './table'

type Json = Record<string, unknown>

/** Leases: HOLDER is `spec.holderIdentity`, empty when nobody holds it. */
export const leasePrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column(
      'Holder',
      'string',
      'holderIdentity contains the identity of the holder of a current lease.'
    ),
    ageColumn()
  ],
  row(obj, now) {
    return {
      cells: [
        str(obj.metadata?.name),
        str(record((obj as unknown as Json).spec).holderIdentity),
        since(obj.metadata?.creationTimestamp, now)
      ]
    }
  }
}

/** EndpointSlices: ports as numbers (or names, `*` when neither), at most three endpoints listed. */
export const endpointSlicePrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column(
      'AddressType',
      'string',
      'addressType specifies the type of address carried by this EndpointSlice.'
    ),
    column(
      'Ports',
      'string',
      'ports specifies the list of network ports exposed by each endpoint in this slice.'
    ),
    column('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
    ageColumn()
  ],
  row(obj, now) {
    const slice = obj as unknown as Json
    const ports = array(slice.ports)
      .map(record)
      .map((p) => (typeof p.port === 'number' ? String(p.port) : str(p.name) || '*'))
    const addresses = array(slice.endpoints)
      .map(record)
      .flatMap((e) => array(e.addresses).map(str))
    return {
      cells: [
        str(obj.metadata?.name),
        str(slice.addressType),
        listWithMore(ports),
        listWithMore(addresses),
        since(obj.metadata?.creationTimestamp, now)
      ]
    }
  }
}

/** Any other kind: NAME AGE. */
export const genericPrinter: TablePrinter = {
  columns: [nameColumn(), ageColumn()],
  row(obj, now) {
    return { cells: [str(obj.metadata?.name), since(obj.metadata?.creationTimestamp, now)] }
  }
}
