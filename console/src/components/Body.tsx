import { bytes, maskedParts, prettyBody } from "../format";

/** A recorded value as text, its masked parts marked. Never parsed as HTML. */
export function Masked({ text }: { text: string }) {
  return (
    <>
      {maskedParts(text).map((part, i) =>
        part.masked ? (
          <mark key={i} className="masked" title="Masked before storage">
            {part.text}
          </mark>
        ) : (
          part.text
        ),
      )}
    </>
  );
}

/** A request or response body: JSON indented, masked values marked, a cut body said so. */
export function Body({ label, body, size, truncated }: { label: string; body: string; size: bigint; truncated: boolean }) {
  if (body === "" && !truncated) return <p className="muted">No {label.toLowerCase()}.</p>;
  const pretty = prettyBody(body);
  return (
    <figure className="body">
      <figcaption>
        {label} · {bytes(size)}
        {pretty.json && " · JSON"}
        {truncated && (
          <span className="badge warn" role="note">
            cut: {bytes(new TextEncoder().encode(body).length)} of {bytes(size)} stored
          </span>
        )}
      </figcaption>
      <pre>
        <Masked text={pretty.text} />
      </pre>
    </figure>
  );
}

/** Headers, query parameters or tags as a name/value list. */
export function Pairs({ label, pairs }: { label: string; pairs: Record<string, string> }) {
  const names = Object.keys(pairs).sort();
  if (names.length === 0) return null;
  return (
    <table className="pairs">
      <caption>{label}</caption>
      <tbody>
        {names.map((name) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>
              <Masked text={pairs[name]} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
