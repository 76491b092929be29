// Command runtime-peer is the Go side of bench/runtime-compare.ts: a minimal controller-runtime
// controller that gives every Widget in one namespace one status write (the three conditions and
// status.processed), exactly the work bench/runtime-reconcile.ts does with pkg/runtime. It exits once
// every object has its status and the queue is empty, printing one JSON line of figures.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

var gv = schema.GroupVersion{Group: "runtimetest.teamssync.io", Version: "v1"}

// WidgetSpec mirrors test/integration/runtime/test-crd.ts.
type WidgetSpec struct {
	Size int64 `json:"size,omitempty"`
}

// WidgetStatus holds what the TS bench writes.
type WidgetStatus struct {
	ObservedGeneration int64              `json:"observedGeneration,omitempty"`
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
	Processed          int64              `json:"processed,omitempty"`
}

// Widget is the bench's throwaway kind, typed as a Go operator would write it.
type Widget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              WidgetSpec   `json:"spec,omitempty"`
	Status            WidgetStatus `json:"status,omitempty"`
}

// WidgetList is its list type.
type WidgetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Widget `json:"items"`
}

func (in *WidgetStatus) deepCopyInto(out *WidgetStatus) {
	*out = *in
	if in.Conditions != nil {
		out.Conditions = make([]metav1.Condition, len(in.Conditions))
		for i := range in.Conditions {
			in.Conditions[i].DeepCopyInto(&out.Conditions[i])
		}
	}
}

func (in *Widget) deepCopyInto(out *Widget) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	in.Status.deepCopyInto(&out.Status)
}

// DeepCopyObject implements runtime.Object (what controller-gen would generate).
func (in *Widget) DeepCopyObject() runtime.Object {
	out := new(Widget)
	in.deepCopyInto(out)
	return out
}

// DeepCopyObject implements runtime.Object.
func (in *WidgetList) DeepCopyObject() runtime.Object {
	out := new(WidgetList)
	*out = *in
	in.ListMeta.DeepCopyInto(&out.ListMeta)
	if in.Items != nil {
		out.Items = make([]Widget, len(in.Items))
		for i := range in.Items {
			in.Items[i].deepCopyInto(&out.Items[i])
		}
	}
	return out
}

// countingTransport counts every apiserver request the manager makes (discovery, LIST, WATCH, PATCH).
type countingTransport struct {
	next  http.RoundTripper
	count *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.count.Add(1)
	return t.next.RoundTrip(r)
}

type reconciler struct {
	client     client.Client
	reconciles atomic.Int64
	writes     atomic.Int64
	target     int64
	done       chan time.Time
}

func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	r.reconciles.Add(1)
	var w Widget
	if err := r.client.Get(ctx, req.NamespacedName, &w); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	next := w.DeepCopy()
	g := w.Generation
	for _, c := range []metav1.Condition{
		{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Synced", Message: "Widget processed"},
		{Type: "SyncNeeded", Status: metav1.ConditionFalse, Reason: "UpToDate", Message: "Nothing is waiting to be applied"},
		{Type: "Failed", Status: metav1.ConditionFalse, Reason: "NoError", Message: "The last attempt did not fail"},
	} {
		c.ObservedGeneration = g
		meta.SetStatusCondition(&next.Status.Conditions, c)
	}
	next.Status.ObservedGeneration = g
	next.Status.Processed = w.Spec.Size
	// Like pkg/runtime's StatusWriter: no request when nothing changed.
	if equality.Semantic.DeepEqual(w.Status, next.Status) {
		return ctrl.Result{}, nil
	}
	if err := r.client.Status().Patch(ctx, next, client.MergeFromWithOptions(&w, client.MergeFromWithOptimisticLock{})); err != nil {
		return ctrl.Result{}, err
	}
	if r.writes.Add(1) == r.target {
		r.done <- time.Now()
	}
	return ctrl.Result{}, nil
}

// DeepCopy returns a deep copy.
func (in *Widget) DeepCopy() *Widget {
	out := new(Widget)
	in.deepCopyInto(out)
	return out
}

func main() {
	namespace := flag.String("namespace", "", "namespace holding the widgets")
	objects := flag.Int64("objects", 10000, "widgets to wait for")
	workers := flag.Int("workers", 8, "MaxConcurrentReconciles")
	skipStatus := flag.Bool("generation-changed", true, "GenerationChangedPredicate on the widgets (skip own status events)")
	flag.Parse()
	log.SetLogger(logDiscard())

	cfg, err := ctrl.GetConfig() // --kubeconfig, registered by controller-runtime
	must(err)
	cfg.QPS, cfg.Burst = -1, 0 // no client-side throttling: pkg/runtime has none either
	var requests atomic.Int64
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return countingTransport{next: rt, count: &requests} }

	scheme := runtime.NewScheme()
	scheme.AddKnownTypes(gv, &Widget{}, &WidgetList{})
	metav1.AddToGroupVersion(scheme, gv)

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{*namespace: {}}},
	})
	must(err)
	r := &reconciler{client: mgr.GetClient(), target: *objects, done: make(chan time.Time, 1)}
	var preds []predicate.Predicate
	if *skipStatus {
		preds = append(preds, predicate.GenerationChangedPredicate{})
	}
	must(ctrl.NewControllerManagedBy(mgr).
		Named("widget").
		For(&Widget{}, builder.WithPredicates(preds...)).
		WithOptions(controller.Options{MaxConcurrentReconciles: *workers}).
		Complete(r))

	ctx, cancel := context.WithCancel(context.Background())
	started := time.Now()
	go func() { must(mgr.Start(ctx)) }()
	finished := <-r.done
	// Let the passes queued by the last writes' own watch events run, as the TS side does.
	for last := r.reconciles.Load(); ; {
		time.Sleep(500 * time.Millisecond)
		if now := r.reconciles.Load(); now == last {
			break
		} else {
			last = now
		}
	}
	cancel()
	var ru syscall.Rusage
	must(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	out, _ := json.Marshal(map[string]any{
		"runtime":    "go",
		"objects":    *objects,
		"wallS":      finished.Sub(started).Seconds(),
		"reconciles": r.reconciles.Load(),
		"writes":     r.writes.Load(),
		"requests":   requests.Load(),
		"maxRssMiB":  float64(ru.Maxrss) / 1024,
		"cpuS":       float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9,
	})
	fmt.Println(string(out))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
