/**
 * Keeps one panel's rendering error inside that panel: the rest of the lab (and the data and the run it
 * holds) stays usable, and the panel says what went wrong with a button to draw it again.
 */
import { Component, type ReactNode } from 'react';

interface Props {
  /** The panel's name, for the message. */
  name: string;
  /** Text of the message and of the retry button (already translated). */
  message: (name: string, error: string) => string;
  retry: string;
  children: ReactNode;
}

export class PanelBoundary extends Component<Props, { error: string | null }> {
  override state = { error: null as string | null };

  static getDerivedStateFromError(e: unknown): { error: string } {
    return { error: e instanceof Error ? e.message : String(e) };
  }

  override componentDidCatch(e: unknown): void {
    console.error(`Panel "${this.props.name}" failed to draw:`, e);
  }

  override render(): ReactNode {
    if (this.state.error === null) return this.props.children;
    return (
      <section className="card" role="alert" data-testid="panel-error">
        <p className="error">{this.props.message(this.props.name, this.state.error)}</p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          {this.props.retry}
        </button>
      </section>
    );
  }
}
